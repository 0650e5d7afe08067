#include "nets/network_spec.h"

#include <map>
#include <sstream>

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

NodeSpec pool(std::string name, int kernel, int stride, bool ceil_mode, int padding = 0) {
  NodeSpec n;
  n.name = std::move(name);
  n.op = NodeOp::Pool;
  n.kernel = kernel;
  n.stride = stride;
  n.ceil_mode = ceil_mode;
  n.padding = padding;
  return n;
}

NodeSpec with_inputs(NodeSpec n, std::vector<std::string> inputs) {
  n.inputs = std::move(inputs);
  return n;
}

NodeSpec join(std::string name, NodeOp op, std::vector<std::string> inputs) {
  NodeSpec n;
  n.name = std::move(name);
  n.op = op;
  n.inputs = std::move(inputs);
  return n;
}

// VGG from its block configuration; conv weights answer to Caffe/MatConvNet (conv1_1),
// Keras/TF.js (block1_conv1) and torchvision (features.N) names.
NetworkSpec vgg(const std::string& name, const std::vector<int>& convs_per_block) {
  NetworkSpec spec;
  spec.name = name;
  spec.description = name == "vgg19" ? "VGG-19 (Oxford), the classic of Gatys et al." : "VGG-16 (Oxford)";
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
  // The usual names of the public distributions: torchvision, Caffe, MatConvNet, Keras, TF.js.
  const std::string depth = name.substr(3);
  const std::vector<std::string> files = {name == "vgg19" ? "vgg19-dcbb9e9d.pth" : "vgg16-397923af.pth",
                                          "VGG_ILSVRC_" + depth + "_layers.caffemodel",
                                          "imagenet-vgg-verydeep-" + depth + ".mat",
                                          name + "_weights_tf_dim_ordering_tf_kernels_notop.h5", "model.json"};
  for (const auto& file : files) spec.default_weights.push_back(name + "/" + file);
  for (const auto& file : files) spec.default_weights.push_back(file);
  spec.default_weights.pop_back();  // a bare model.json could be any network
  if (name == "vgg19") spec.default_weights.push_back("vgg19-partial/model.json");
  spec.default_content_layers = "relu4_2";
  spec.default_style_layers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1";
  return spec;
}

NetworkSpec squeezenet() {
  NetworkSpec spec;
  spec.name = "squeezenet";
  spec.description = "SqueezeNet v1.1 (DeepScale Caffe release), the fast default";
  spec.input = caffe_input({104.006, 116.669, 122.679});
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
    spec.nodes.push_back(join(f, NodeOp::Concat, {f + "/expand1x1", f + "/expand3x3"}));
    in = 2 * fire.expand;
    if (index == 3 || index == 5) spec.nodes.push_back(pool("pool" + std::to_string(index), 3, 2, true));
  }
  spec.default_weights = {"squeezenet1_1/sqz_notop.mat", "sqz_notop.mat"};
  spec.default_content_layers = "fire7";
  spec.default_style_layers = "conv1,fire2,fire3,fire5,fire7";
  return spec;
}

// BVLC GoogLeNet as in its Caffe deploy.prototxt: taps carry the Caffe layer names.
NetworkSpec googlenet() {
  NetworkSpec spec;
  spec.name = "googlenet";
  spec.description = "GoogLeNet / Inception v1 (BVLC Caffe), 22 layers";
  spec.input = caffe_input({104, 117, 123});
  auto lrn = [](std::string name) {
    NodeSpec n;
    n.name = std::move(name);
    n.op = NodeOp::LocalResponseNorm;
    return n;
  };
  auto& nodes = spec.nodes;
  nodes.push_back(conv("conv1/7x7_s2", {"conv1/7x7_s2"}, 3, 64, 7, 2, 3));
  nodes.push_back(pool("pool1/3x3_s2", 3, 2, true));
  nodes.push_back(lrn("pool1/norm1"));
  nodes.push_back(conv("conv2/3x3_reduce", {"conv2/3x3_reduce"}, 64, 64, 1));
  nodes.push_back(conv("conv2/3x3", {"conv2/3x3"}, 64, 192, 3));
  nodes.push_back(lrn("conv2/norm2"));
  nodes.push_back(pool("pool2/3x3_s2", 3, 2, true));
  struct Inception { const char* name; int b1, r3, b3, r5, b5, proj; const char* pool_after; };
  const Inception blocks[] = {
      {"3a", 64, 96, 128, 16, 32, 32, nullptr},    {"3b", 128, 128, 192, 32, 96, 64, "pool3/3x3_s2"},
      {"4a", 192, 96, 208, 16, 48, 64, nullptr},   {"4b", 160, 112, 224, 24, 64, 64, nullptr},
      {"4c", 128, 128, 256, 24, 64, 64, nullptr},  {"4d", 112, 144, 288, 32, 64, 64, nullptr},
      {"4e", 256, 160, 320, 32, 128, 128, "pool4/3x3_s2"},
      {"5a", 256, 160, 320, 32, 128, 128, nullptr}, {"5b", 384, 192, 384, 48, 128, 128, nullptr}};
  std::string input = "pool2/3x3_s2";
  int in = 192;
  for (const Inception& b : blocks) {
    const std::string p = std::string("inception_") + b.name + "/";
    auto branch_conv = [&](const std::string& name, int from_channels, int out, int kernel,
                           const std::string& from) {
      nodes.push_back(with_inputs(conv(p + name, {p + name}, from_channels, out, kernel), {from}));
    };
    branch_conv("1x1", in, b.b1, 1, input);
    branch_conv("3x3_reduce", in, b.r3, 1, input);
    branch_conv("3x3", b.r3, b.b3, 3, p + "3x3_reduce");
    branch_conv("5x5_reduce", in, b.r5, 1, input);
    branch_conv("5x5", b.r5, b.b5, 5, p + "5x5_reduce");
    nodes.push_back(with_inputs(pool(p + "pool", 3, 1, true, 1), {input}));
    branch_conv("pool_proj", in, b.proj, 1, p + "pool");
    nodes.push_back(join(p + "output", NodeOp::Concat, {p + "1x1", p + "3x3", p + "5x5", p + "pool_proj"}));
    input = p + "output";
    in = b.b1 + b.b3 + b.b5 + b.proj;
    if (b.pool_after) {
      nodes.push_back(pool(b.pool_after, 3, 2, true));
      input = b.pool_after;
    }
  }
  spec.default_weights = {"googlenet/deploy.prototxt", "googlenet/bvlc_googlenet.caffemodel", "bvlc_googlenet.caffemodel"};
  // conv1/7x7_s2 as a style layer washed faces out into stripes (brad_pitt + the_scream).
  spec.default_content_layers = "inception_3a/output";
  spec.default_style_layers = "conv2/3x3,inception_3a/output,inception_3b/output,inception_4a/output";
  return spec;
}

// Keras ResNet50 (the ImageNet weights distributed as Keras/TF.js files). Every convolution is
// followed by a batch normalisation folded into it; taps are named after the Caffe release
// (res2a = the first block's output after its ReLU).
// Taps carry the Caffe / Keras 2 names (res2a_branch2a); files in tf.keras's later naming
// (conv2_block1_1_conv) load through aliases.
NetworkSpec resnet50() {
  NetworkSpec spec;
  spec.name = "resnet50";
  spec.description = "ResNet-50 (Keras ImageNet weights), batch normalisation folded";
  // layer: Keras 2 name and tf.keras name; bn likewise.
  auto bn_conv = [](std::string name, std::vector<std::string> layer, std::vector<std::string> bn, int in, int out,
                    int kernel, int stride, bool relu) {
    NodeSpec n = conv(std::move(name), std::move(layer), in, out, kernel, stride);
    n.batch_norm_names = std::move(bn);
    n.relu = relu;
    return n;
  };
  auto& nodes = spec.nodes;
  nodes.push_back(bn_conv("conv1", {"conv1", "conv1_conv"}, {"bn_conv1", "conv1_bn"}, 3, 64, 7, 2, true));
  nodes.push_back(pool("pool1", 3, 2, false, 1));
  struct Stage { int index, blocks, width, stride; };
  std::string input = "pool1";
  int in = 64;
  for (const Stage& stage : {Stage{2, 3, 64, 1}, Stage{3, 4, 128, 2}, Stage{4, 6, 256, 2}, Stage{5, 3, 512, 2}}) {
    for (int b = 0; b < stage.blocks; ++b) {
      const std::string block = std::to_string(stage.index) + static_cast<char>('a' + b);
      const std::string r = "res" + block, bn = "bn" + block;
      const std::string keras = "conv" + std::to_string(stage.index) + "_block" + std::to_string(b + 1) + "_";
      auto branch = [&](const std::string& caffe, const std::string& part, int from, int to, int kernel, int step,
                        bool relu) {
        return bn_conv(r + caffe, {r + caffe, keras + part + "_conv"}, {bn + caffe, keras + part + "_bn"}, from, to,
                       kernel, step, relu);
      };
      const int stride = b == 0 ? stage.stride : 1, out = 4 * stage.width;
      nodes.push_back(with_inputs(branch("_branch2a", "1", in, stage.width, 1, stride, true), {input}));
      nodes.push_back(branch("_branch2b", "2", stage.width, stage.width, 3, 1, true));
      nodes.push_back(branch("_branch2c", "3", stage.width, out, 1, 1, false));
      std::string shortcut = input;
      if (b == 0) {
        nodes.push_back(with_inputs(branch("_branch1", "0", in, out, 1, stride, false), {input}));
        shortcut = r + "_branch1";
      }
      nodes.push_back(join(r, NodeOp::Add, {r + "_branch2c", shortcut}));
      input = r;
      in = out;
    }
  }
  spec.default_weights = {"resnet50/model.json", "ResNet50/model.json",
                          "resnet50/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                          "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"};
  spec.default_content_layers = "res4a";
  spec.default_style_layers = "conv1,res2c,res3d,res4f";
  return spec;
}

const std::map<std::string, NetworkSpec>& registry() {
  static const std::map<std::string, NetworkSpec> specs = {
      {"squeezenet", squeezenet()},
      {"vgg19", vgg("vgg19", {2, 2, 4, 4, 4})},
      {"vgg16", vgg("vgg16", {2, 2, 3, 3, 3})},
      {"googlenet", googlenet()},
      {"resnet50", resnet50()},
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
  if (n.op == NodeOp::Concat) {
    int sum = 0;
    for (const auto& input : n.inputs) sum += channels(input);
    return sum;
  }
  // Pool, LocalResponseNorm, Add: the channels of their (first) input.
  if (!n.inputs.empty()) return channels(n.inputs[0]);
  for (size_t i = 1; i < nodes.size(); ++i)
    if (nodes[i].name == wanted) return channels(nodes[i - 1].name);
  return 3;
}

std::vector<std::string> NetworkSpec::tap_names() const {
  std::vector<std::string> names;
  for (const auto& n : nodes) names.push_back(n.name);
  return names;
}

std::vector<std::string> layer_list_entries(const std::string& list) {
  std::vector<std::string> entries;
  std::stringstream stream(list);
  for (std::string entry; std::getline(stream, entry, ',');)
    if (!entry.empty()) entries.push_back(entry);
  return entries;
}

std::string entry_layer(const std::string& entry) { return entry.substr(0, entry.find(':')); }

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
