#pragma once
#include <string>
#include <utility>
#include <vector>

#include "weights/weight_source.h"

namespace impasto {

// A flat list of named tensors in PyTorch's state-dict conventions, as .pth and .safetensors files hold
// them: a convolution is a 4-D "<layer>.weight" [out][in][kh][kw] with an optional 1-D "<layer>.bias",
// named by its prefix ("features.0"). Floating-point tensors of any precision are handed out as
// float32 copies; other dtypes are an error when used. `where` names the file in messages; `path` is
// the file, whose name may declare its input convention (known_file_input).
std::unique_ptr<WeightSource> make_state_dict_source(std::string where, std::string format,
                                                     std::vector<std::pair<std::string, torch::Tensor>> tensors,
                                                     const std::filesystem::path& path);

}  // namespace impasto
