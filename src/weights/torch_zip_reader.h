#pragma once
#include "weights/weight_source.h"

namespace impasto {

// PyTorch state dict saved by Python's torch.save(model.state_dict(), f) (zip format, pickle
// protocol 2-4). Conv layers are the keys "<layer>.weight" holding a 4-D tensor.
std::unique_ptr<WeightSource> open_torch_weights(const std::filesystem::path& path);

}  // namespace impasto
