#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/input_convention.h"

namespace impasto {

// The named presets. Means default to the ImageNet pixel mean of the VGG releases.
InputConvention caffe_input(const std::array<double, 3>& mean_bgr = {103.939, 116.779, 123.68});
InputConvention torchvision_input();  // RGB, 0..1, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
InputConvention matconvnet_input(const std::array<double, 3>& mean_rgb = {123.68, 116.779, 103.939});

// "caffe", "torchvision", "matconvnet": what --input-convention takes besides "auto".
const std::vector<std::string>& input_convention_names();
// The preset of that name with its default mean; throws InputError for other names.
InputConvention input_convention_preset(const std::string& name);

// The convention of a weights file known by its name: torchvision's VGG downloads carry the first
// hex digits of their SHA-256 in the name (vgg19-dcbb9e9d.pth), as do neural-style-pt's conversions
// of the Caffe VGG releases (vgg19-d01eb7cb.pth). Matched on the file name without its extension, so
// a .safetensors conversion keeping the name matches too. Nothing for any other file.
std::optional<InputConvention> known_file_input(const std::filesystem::path& path);

// "BGR, 0..255, minus (103.939, 116.779, 123.68)": the arithmetic in words, for messages.
std::string describe(const InputConvention& convention);
void to_json(nlohmann::json& j, const InputConvention& convention);

}  // namespace impasto
