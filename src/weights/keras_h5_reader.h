#pragma once
#include "weights/weight_source.h"

namespace impasto {

// Keras 2 HDF5 weights (model.save_weights, or a whole model.save with them under /model_weights):
// root attribute layer_names; per layer a group with attribute weight_names naming its datasets.
// Kernels are [kh][kw][in][out]; weight names of Keras 2 ("conv/kernel:0") and 1 ("conv_W_1:0").
std::unique_ptr<WeightSource> open_keras_h5_weights(const std::filesystem::path& path);

}  // namespace impasto
