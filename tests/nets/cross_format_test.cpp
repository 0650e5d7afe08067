// The reference check across formats for the networks beyond VGG (VGG's is in tests/weights): the
// same weights written through a second format give the same features to 1e-5.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "nets/model_locator.h"
#include "nets/network.h"
#include "test_support.h"
#include "weights/keras_h5_writer.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

using testing::shared_image;

// Features of a small photo at `tap`, through `network` built on these weights.
torch::Tensor features(const std::string& network, const WeightSource& weights, const std::string& tap) {
  static const torch::Tensor image = resize_longest(load_image(shared_image("tubingen.jpg").string(), "image"), 96);
  Network net(network_spec(network), &weights, {tap});
  torch::NoGradGuard no_grad;
  return net.forward(image).at(tap);
}

void expect_same_features(const std::string& network, const WeightSource& a, const WeightSource& b,
                          const std::string& tap) {
  const torch::Tensor x = features(network, a, tap), y = features(network, b, tap);
  ASSERT_EQ(x.sizes(), y.sizes());
  const double scale = x.abs().max().item<double>();
  ASSERT_GT(scale, 0.0);
  EXPECT_LE((x - y).abs().max().item<double>() / scale, 1e-5) << a.format() << " vs " << b.format();
}

TEST(CrossFormat, ResNet50FromTensorFlowJsAndKerasHdf5Agree) {
  std::filesystem::path tfjs;
  try {
    tfjs = locate_weights(network_spec("resnet50"), "", "");
  } catch (const InputError&) {
    GTEST_SKIP() << "ResNet-50 not installed (impasto fetch resnet50)";
  }
  auto original = open_weights(tfjs);
  // The Keras HDF5 distribution of the same weights: conv kernels HWIO, batch norms as their own layers.
  std::vector<testing::KerasLayer> layers;
  for (const NodeSpec& node : network_spec("resnet50").nodes) {
    if (node.op != NodeOp::Conv) continue;
    const std::string& name = node.weight_names.front();
    const ConvParams conv = original->conv(name);
    layers.push_back(testing::keras_conv(name, conv.weight.permute({2, 3, 1, 0}).contiguous(), conv.bias));
    const std::string& bn_name = node.batch_norm_names.front();
    const BatchNormParams bn = original->batch_norm(bn_name);
    layers.push_back({bn_name,
                      {{bn_name + "/gamma:0", bn.gamma},
                       {bn_name + "/beta:0", bn.beta},
                       {bn_name + "/moving_mean:0", bn.mean},
                       {bn_name + "/moving_variance:0", bn.variance}}});
    if (node.name == "res3a_branch1") break;  // enough to cover both stage kinds, and fast
  }
  testing::TempDir dir;
  testing::write_keras_h5(dir / "resnet50_notop.h5", layers);
  auto copy = open_weights(dir / "resnet50_notop.h5");
  EXPECT_EQ(copy->format(), "Keras HDF5");
  expect_same_features("resnet50", *original, *copy, "res3a");
}

}  // namespace
}  // namespace impasto
