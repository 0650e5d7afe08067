#include "weights/input_convention.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "impasto/errors.h"

namespace impasto {
namespace {

// Weights files whose convention is known from their name. The PyTorch and safetensors formats have
// no field for it, and torchvision's conversions and neural-style-pt's conversions of the Caffe VGG
// weights have the same keys (features.N), so nothing in the content tells them apart cheaply; the
// hash prefix in the published file names does. Only vgg16 and vgg19 are networks here; the other
// torchvision VGG files are listed so that the table is the whole family.
struct KnownFile {
  const char* stem;
  const char* convention;
};
constexpr KnownFile kKnownFiles[] = {
    // torchvision (download.pytorch.org/models); vgg11 and vgg13 were republished under new hashes.
    {"vgg11-8a719046", "torchvision"},    {"vgg11-bbd30ac9", "torchvision"},
    {"vgg13-19584684", "torchvision"},    {"vgg13-c768596a", "torchvision"},
    {"vgg16-397923af", "torchvision"},    {"vgg19-dcbb9e9d", "torchvision"},
    {"vgg11_bn-6002323d", "torchvision"}, {"vgg13_bn-abd245e5", "torchvision"},
    {"vgg16_bn-6c64b313", "torchvision"}, {"vgg19_bn-c79401a0", "torchvision"},
    // neural-style-pt's conversions of the Caffe VGG releases (the weights of Gatys et al. and
    // jcjohnson/neural-style): still Caffe's BGR 0..255 minus mean.
    {"vgg16-00b39a1b", "caffe"},          {"vgg19-d01eb7cb", "caffe"},
};

}  // namespace

InputConvention caffe_input(const std::array<double, 3>& mean_bgr) { return {"caffe", true, 255, mean_bgr, {1, 1, 1}}; }

InputConvention torchvision_input() {
  return {"torchvision", false, 1, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
}

InputConvention matconvnet_input(const std::array<double, 3>& mean_rgb) {
  return {"matconvnet", false, 255, mean_rgb, {1, 1, 1}};
}

const std::vector<std::string>& input_convention_names() {
  static const std::vector<std::string> names{"caffe", "torchvision", "matconvnet"};
  return names;
}

InputConvention input_convention_preset(const std::string& name) {
  if (name == "caffe") return caffe_input();
  if (name == "torchvision") return torchvision_input();
  if (name == "matconvnet") return matconvnet_input();
  throw InputError("unknown input convention '" + name + "' (caffe, torchvision or matconvnet)");
}

std::optional<InputConvention> known_file_input(const std::filesystem::path& path) {
  const std::string stem = path.stem().string();
  for (const KnownFile& file : kKnownFiles)
    if (stem == file.stem) return input_convention_preset(file.convention);
  return std::nullopt;
}

std::string describe(const InputConvention& c) {
  auto numbers = [](const std::array<double, 3>& v) {
    char text[96];
    std::snprintf(text, sizeof text, "(%g, %g, %g)", v[0], v[1], v[2]);
    return std::string(text);
  };
  char range[32];
  std::snprintf(range, sizeof range, "0..%g", c.range);
  std::string s = std::string(c.bgr ? "BGR, " : "RGB, ") + range + ", minus " + numbers(c.mean);
  if (c.stddev != std::array<double, 3>{1, 1, 1}) s += ", divided by " + numbers(c.stddev);
  return s;
}

void to_json(nlohmann::json& j, const InputConvention& c) {
  j = nlohmann::json{{"convention", c.name}, {"channels", c.bgr ? "BGR" : "RGB"}, {"range", c.range},
                     {"mean", c.mean},       {"std", c.stddev}};
}

}  // namespace impasto
