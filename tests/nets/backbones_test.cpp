// The GoogLeNet and ResNet-50 tables, checked on their real weights: shapes, batch-norm folding, and
// that the whole network still classifies a photo (the strongest check of wiring, LRN and folding).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "image/image_io.h"
#include "memory_weights.h"
#include "impasto/errors.h"
#include "nets/model_locator.h"
#include "nets/network.h"
#include "test_support.h"
#include "weights/caffe_prototxt.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

using impasto::testing::shared_image;

std::filesystem::path installed(const std::string& network) {
  try {
    return locate_weights(network_spec(network), "", "");
  } catch (const InputError&) {
    return {};
  }
}

using testing::MemoryWeights;

TEST(Backbones, BatchNormIsFoldedIntoTheConvolution) {
  NetworkSpec spec;
  spec.name = "tiny";
  spec.input = matconvnet_input({0, 0, 0});  // RGB, 0..255, nothing subtracted
  NodeSpec conv;
  conv.name = "c";
  conv.weight_names = {"c"};
  conv.batch_norm_names = {"bn_c"};
  conv.in_channels = 3;
  conv.out_channels = 4;
  conv.kernel = 3;
  conv.padding = 1;
  conv.relu = false;
  spec.nodes = {conv};
  torch::manual_seed(3);
  MemoryWeights weights;
  weights.convs["c"] = {torch::randn({4, 3, 3, 3}), torch::randn({4})};
  weights.norms["bn_c"] = {torch::rand({4}) + 0.5, torch::randn({4}), torch::randn({4}), torch::rand({4}) + 0.1, 1e-3};
  Network network(spec, &weights, {"c"});
  torch::NoGradGuard no_grad;
  const torch::Tensor image = torch::rand({1, 3, 8, 8});
  const torch::Tensor folded = network.forward(image).at("c");
  const auto& bn = weights.norms["bn_c"];
  const torch::Tensor raw = torch::conv2d(image * 255.0, weights.convs["c"].weight, weights.convs["c"].bias, 1, 1);
  const torch::Tensor expected = (raw - bn.mean.view({1, 4, 1, 1})) / (bn.variance.view({1, 4, 1, 1}) + 1e-3).sqrt() *
                                     bn.gamma.view({1, 4, 1, 1}) +
                                 bn.beta.view({1, 4, 1, 1});
  EXPECT_LT((folded - expected).abs().max().item<float>(), 1e-3 * expected.abs().max().item<float>());

  weights.norms.clear();
  EXPECT_THROW(Network(spec, &weights, {"c"}), InputError);
}

TEST(Backbones, LocalResponseNormIsCaffes) {
  // A one-node network: the LRN of the (mean-free, 0..255-scaled) image, checked against the formula.
  NetworkSpec spec;
  spec.name = "lrn";
  spec.input = matconvnet_input({0, 0, 0});  // RGB, 0..255, nothing subtracted
  NodeSpec conv;
  conv.name = "c";
  conv.weight_names = {"c"};
  conv.in_channels = 3;
  conv.out_channels = 7;
  conv.relu = false;
  NodeSpec lrn;
  lrn.name = "norm";
  lrn.op = NodeOp::LocalResponseNorm;
  lrn.lrn_size = 5;
  lrn.lrn_alpha = 0.01;
  lrn.lrn_beta = 0.75;
  lrn.lrn_k = 2.0;
  spec.nodes = {conv, lrn};
  torch::manual_seed(4);
  MemoryWeights weights;
  weights.convs["c"] = {torch::randn({7, 3, 1, 1}, torch::kDouble) * 0.01, torch::zeros({7}, torch::kDouble)};
  NetworkConfig config;
  config.dtype = torch::kDouble;
  Network network(spec, &weights, {"c", "norm"}, config);
  torch::NoGradGuard no_grad;
  auto taps = network.forward(torch::rand({1, 3, 5, 4}, torch::kDouble));
  const torch::Tensor x = taps.at("c").contiguous(), y = taps.at("norm").contiguous();
  for (int64_t c = 0; c < 7; ++c) {
    torch::Tensor sum = torch::zeros_like(x[0][0]);
    for (int64_t d = std::max<int64_t>(0, c - 2); d <= std::min<int64_t>(6, c + 2); ++d) sum += x[0][d] * x[0][d];
    const torch::Tensor expected = x[0][c] / (2.0 + 0.01 / 5 * sum).pow(0.75);
    EXPECT_TRUE(torch::allclose(y[0][c], expected, 1e-12, 1e-12)) << "channel " << c;
  }
}

TEST(Backbones, ShapesOfEveryTapMatchTheComputation) {
  for (const std::string name : {"googlenet", "resnet50"}) {
    const NetworkSpec& spec = network_spec(name);
    Network network(spec, nullptr, spec.tap_names());
    torch::NoGradGuard no_grad;
    std::map<std::string, std::vector<int64_t>> computed;
    network.forward(torch::rand({1, 3, 99, 131}),
                    [&](const std::string& tap, const torch::Tensor& x) { computed[tap] = x.sizes().vec(); });
    for (const auto& shape : network.shapes(99, 131))
      EXPECT_EQ(computed.at(shape.spec->name), (std::vector<int64_t>{1, shape.channels, shape.height, shape.width}))
          << name << " " << shape.spec->name;
  }
}

TEST(Backbones, GoogLeNetAndResNetOutputShapesAt224) {
  const std::map<std::string, std::vector<int64_t>> googlenet = {
      {"conv1/7x7_s2", {64, 112, 112}},     {"pool1/norm1", {64, 56, 56}},
      {"conv2/norm2", {192, 56, 56}},       {"inception_3a/output", {256, 28, 28}},
      {"inception_3b/output", {480, 28, 28}}, {"inception_4e/output", {832, 14, 14}},
      {"inception_5b/output", {1024, 7, 7}}};
  const std::map<std::string, std::vector<int64_t>> resnet = {
      {"conv1", {64, 112, 112}}, {"pool1", {64, 56, 56}}, {"res2c", {256, 56, 56}},
      {"res3d", {512, 28, 28}},  {"res4f", {1024, 14, 14}}, {"res5c", {2048, 7, 7}}};
  for (const auto& [name, expected] : {std::pair{"googlenet", googlenet}, std::pair{"resnet50", resnet}}) {
    Network network(network_spec(name), nullptr, network_spec(name).tap_names());
    for (const auto& shape : network.shapes(224, 224)) {
      auto it = expected.find(shape.spec->name);
      if (it != expected.end())
        EXPECT_EQ((std::vector<int64_t>{shape.channels, shape.height, shape.width}), it->second) << shape.spec->name;
    }
  }
}

// Top-5 ImageNet classes of a photo, from the network's last features and its classifier.
std::vector<int64_t> top5(const std::string& network_name, const std::filesystem::path& weights_path,
                          const std::string& last_tap, const ConvParams& classifier) {
  auto weights = open_weights(weights_path);
  Network network(network_spec(network_name), weights.get(), {last_tap});
  torch::NoGradGuard no_grad;
  const torch::Tensor image = resize_to(load_image(shared_image("golden_gate.jpg").string(), "image"), 224, 224);
  const torch::Tensor pooled = network.forward(image).at(last_tap).mean({2, 3}, /*keepdim=*/true);
  const torch::Tensor logits = torch::conv2d(pooled.contiguous(), classifier.weight, classifier.bias).flatten();
  const torch::Tensor top = std::get<1>(logits.topk(5));
  return std::vector<int64_t>(top.data_ptr<int64_t>(), top.data_ptr<int64_t>() + 5);
}

constexpr int64_t kSuspensionBridge = 839;  // ImageNet class index

TEST(Backbones, PretrainedResNet50RecognisesTheGoldenGate) {
  const auto path = installed("resnet50");
  if (path.empty()) GTEST_SKIP() << "ResNet-50 not installed (impasto fetch resnet50)";
  const ConvParams fc = open_weights(path)->conv("fc1000");
  const auto classes = top5("resnet50", path, "res5c", fc);
  EXPECT_NE(std::find(classes.begin(), classes.end(), kSuspensionBridge), classes.end())
      << "top-5: " << classes[0] << " " << classes[1] << " " << classes[2] << " " << classes[3] << " " << classes[4];
}

TEST(Backbones, GoogLeNetTableIsWiredAsItsCaffePrototxt) {
  const auto prototxt = testing::shared_dir() / "models" / "googlenet" / "deploy.prototxt";
  if (!std::filesystem::exists(prototxt)) GTEST_SKIP() << "no shared GoogLeNet";
  const CaffeNet net = read_caffe_prototxt(prototxt);
  const NetworkSpec& spec = network_spec("googlenet");
  // The input a table node reads, under the name Caffe gives that blob.
  auto input_of = [&](const NodeSpec& node) {
    if (!node.inputs.empty()) return node.inputs.front();
    for (size_t i = 1; i < spec.nodes.size(); ++i)
      if (&spec.nodes[i] == &node) return spec.nodes[i - 1].name;
    return std::string("data");
  };
  size_t checked = 0;
  for (const CaffeLayer& layer : net.layers) {
    if (layer.name.rfind("loss", 0) == 0 || layer.name.rfind("pool5", 0) == 0) continue;  // classifier head
    if (layer.type == "Convolution" || layer.type == "Pooling" || layer.type == "LRN" || layer.type == "Concat") {
      const NodeSpec& node = spec.node(layer.tops.at(0));
      ++checked;
      if (layer.type == "Concat") {
        EXPECT_EQ(node.op, NodeOp::Concat) << layer.name;
        EXPECT_EQ(node.inputs, layer.bottoms) << layer.name;
        continue;
      }
      EXPECT_EQ(input_of(node), layer.bottoms.at(0)) << layer.name;
      if (layer.type == "Convolution") {
        EXPECT_EQ(node.op, NodeOp::Conv) << layer.name;
        EXPECT_EQ(node.out_channels, layer.convolution.num_output) << layer.name;
        EXPECT_EQ(node.kernel, layer.convolution.kernel_h) << layer.name;
        EXPECT_EQ(node.stride, layer.convolution.stride_h) << layer.name;
        EXPECT_EQ(node.padding, layer.convolution.pad_h) << layer.name;
        EXPECT_TRUE(node.relu) << layer.name;
      } else if (layer.type == "Pooling") {
        EXPECT_EQ(node.op, NodeOp::Pool) << layer.name;
        EXPECT_EQ(layer.pooling.pool, "MAX") << layer.name;
        EXPECT_EQ(node.kernel, layer.pooling.kernel_h) << layer.name;
        EXPECT_EQ(node.stride, layer.pooling.stride_h) << layer.name;
        EXPECT_EQ(node.padding, layer.pooling.pad_h) << layer.name;
        EXPECT_TRUE(node.ceil_mode) << layer.name;
      } else {
        EXPECT_EQ(node.op, NodeOp::LocalResponseNorm) << layer.name;
        EXPECT_EQ(node.lrn_size, layer.lrn.local_size) << layer.name;
        EXPECT_DOUBLE_EQ(node.lrn_alpha, layer.lrn.alpha) << layer.name;
        EXPECT_DOUBLE_EQ(node.lrn_beta, layer.lrn.beta) << layer.name;
        EXPECT_DOUBLE_EQ(node.lrn_k, layer.lrn.k) << layer.name;
      }
    }
  }
  // Every table node was matched by one prototxt layer.
  EXPECT_EQ(checked, spec.nodes.size());
}

torch::Tensor read_floats(const std::filesystem::path& path, std::vector<int64_t> shape) {
  torch::Tensor t = torch::empty(shape);
  std::ifstream in(path, std::ios::binary);
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * sizeof(float)));
  EXPECT_EQ(in.gcount(), static_cast<std::streamsize>(t.numel() * sizeof(float))) << path;
  return t;
}

TEST(Backbones, PretrainedGoogLeNetRecognisesTheGoldenGate) {
  const auto dir = testing::shared_dir() / "models" / "googlenet";
  if (!std::filesystem::exists(dir / "deploy.prototxt")) GTEST_SKIP() << "no shared GoogLeNet";
  const ConvParams classifier{
      read_floats(dir / "weights" / "loss3" / "classifier_filter.bin", {1000, 1024, 1, 1}),
      read_floats(dir / "weights" / "loss3" / "classifier_bias.bin", {1000})};
  const auto classes = top5("googlenet", dir, "inception_5b/output", classifier);
  EXPECT_NE(std::find(classes.begin(), classes.end(), kSuspensionBridge), classes.end())
      << "top-5: " << classes[0] << " " << classes[1] << " " << classes[2] << " " << classes[3] << " " << classes[4];
}

}  // namespace
}  // namespace impasto
