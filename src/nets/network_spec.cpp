#include "nets/network_spec.h"

#include <map>

#include "impasto/errors.h"

namespace impasto {
namespace {

NodeSpec conv(std::string name, std::vector<std::string> weight_names, int in, int out, int kernel,
              int stride = 1, int padding = -1) {
  NodeSpec n;
  n.name = std::move(name);
  n.op = NodeOp::Conv;
  n.weight_names = std::move(weight_names);
  n.in_channels = in;
  n.out_channels = out;
  n.kernel = kernel;
  n.stride = stride;
  n.padding = padding < 0 ? kernel / 2 : padding;
  return n;
}

NodeSpec pool(std::string name, int kernel, int stride, bool ceil_mode) {
  NodeSpec n;
  n.name = std::move(name);
  n.op = NodeOp::Pool;
  n.kernel = kernel;
  n.stride = stride;
  n.ceil_mode = ceil_mode;
  return n;
}

// VGG from its block configuration; conv weights answer to Caffe/MatConvNet (conv1_1),
// Keras/TF.js (block1_conv1) and torchvision (features.N) names.
NetworkSpec vgg(const std::string& name, const std::vector<int>& convs_per_block) {
  NetworkSpec spec;
  spec.name = name;
  const int widths[] = {64, 128, 256, 512, 512};
  int in = 3, feature_index = 0;
  for (int b = 0; b < 5; ++b) {
    for (int c = 1; c <= convs_per_block[b]; ++c) {
      const std::string id = std::to_string(b + 1) + "_" + std::to_string(c);
      spec.nodes.push_back(conv("relu" + id, {"conv" + id,
                                              "block" + std::to_string(b + 1) + "_conv" + std::to_string(c),
                                              "features." + std::to_string(feature_index)},
                                in, widths[b], 3));
      in = widths[b];
      feature_index += 2;  // conv + relu
    }
    spec.nodes.push_back(pool("pool" + std::to_string(b + 1), 2, 2, false));
    feature_index += 1;
  }
  const std::string file = name == "vgg19" ? "vgg19-dcbb9e9d.pth" : "vgg16-397923af.pth";  // torchvision's
  spec.default_weights = {name + "/" + file, file, name + "/model.json"};
  if (name == "vgg19") spec.default_weights.push_back("vgg19-partial/model.json");
  spec.default_content_layers = "relu4_2";
  spec.default_style_layers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1";
  return spec;
}

NetworkSpec squeezenet() {
  NetworkSpec spec;
  spec.name = "squeezenet";
  spec.mean_bgr = {104.006, 116.669, 122.679};
  spec.nodes.push_back(conv("conv1", {"conv1"}, 3, 64, 3, 2, 0));
  spec.nodes.push_back(pool("pool1", 3, 2, true));
  struct Fire { int squeeze, expand; };
  const std::map<int, Fire> fires = {{2, {16, 64}},  {3, {16, 64}},  {4, {32, 128}}, {5, {32, 128}},
                                     {6, {48, 192}}, {7, {48, 192}}, {8, {64, 256}}, {9, {64, 256}}};
  int in = 64;
  for (const auto& [index, fire] : fires) {
    const std::string f = "fire" + std::to_string(index);
    spec.nodes.push_back(conv(f + "/squeeze1x1", {f + "/squeeze1x1"}, in, fire.squeeze, 1));
    spec.nodes.push_back(conv(f + "/expand1x1", {f + "/expand1x1"}, fire.squeeze, fire.expand, 1));
    spec.nodes.back().inputs = {f + "/squeeze1x1"};
    spec.nodes.push_back(conv(f + "/expand3x3", {f + "/expand3x3"}, fire.squeeze, fire.expand, 3));
    spec.nodes.back().inputs = {f + "/squeeze1x1"};
    NodeSpec cat;
    cat.name = f;
    cat.op = NodeOp::Concat;
    cat.inputs = {f + "/expand1x1", f + "/expand3x3"};
    spec.nodes.push_back(cat);
    in = 2 * fire.expand;
    if (index == 3 || index == 5) spec.nodes.push_back(pool("pool" + std::to_string(index), 3, 2, true));
  }
  spec.default_weights = {"squeezenet1_1/sqz_notop.mat", "sqz_notop.mat"};
  spec.default_content_layers = "fire7";
  spec.default_style_layers = "conv1,fire2,fire3,fire5,fire7";
  return spec;
}

const std::map<std::string, NetworkSpec>& registry() {
  static const std::map<std::string, NetworkSpec> specs = {
      {"squeezenet", squeezenet()},
      {"vgg19", vgg("vgg19", {2, 2, 4, 4, 4})},
      {"vgg16", vgg("vgg16", {2, 2, 3, 3, 3})},
  };
  return specs;
}

}  // namespace

const NodeSpec& NetworkSpec::node(const std::string& wanted) const {
  for (const auto& n : nodes)
    if (n.name == wanted) return n;
  std::string valid;
  for (const auto& tap : tap_names()) valid += (valid.empty() ? "" : ", ") + tap;
  throw InputError("unknown layer '" + wanted + "' for " + name + " (valid: " + valid + ")");
}

int NetworkSpec::channels(const std::string& wanted) const {
  const NodeSpec& n = node(wanted);
  if (n.op == NodeOp::Conv) return n.out_channels;
  int sum = 0;
  if (n.op == NodeOp::Concat) {
    for (const auto& input : n.inputs) sum += channels(input);
    return sum;
  }
  // Pool: channels of its input (the previous node).
  for (size_t i = 1; i < nodes.size(); ++i)
    if (nodes[i].name == wanted) return n.inputs.empty() ? channels(nodes[i - 1].name) : channels(n.inputs[0]);
  return 3;
}

std::vector<std::string> NetworkSpec::tap_names() const {
  std::vector<std::string> names;
  for (const auto& n : nodes) names.push_back(n.name);
  return names;
}

const NetworkSpec& network_spec(const std::string& name) {
  const auto& specs = registry();
  auto it = specs.find(name);
  if (it == specs.end()) {
    std::string valid;
    for (const auto& [key, spec] : specs) valid += (valid.empty() ? "" : ", ") + key;
    throw InputError("unknown network '" + name + "' (valid: " + valid + ")");
  }
  return it->second;
}

std::vector<std::string> network_names() {
  std::vector<std::string> names;
  for (const auto& [key, spec] : registry()) names.push_back(key);
  return names;
}

}  // namespace impasto
