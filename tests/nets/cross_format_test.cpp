// The reference check across formats for the networks beyond VGG (VGG's is in tests/weights): the
// same weights written through a second format give the same features to 1e-5.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "nets/model_locator.h"
#include "nets/network.h"
#include "test_support.h"
#include "weights/caffemodel_writer.h"
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
  // The Keras HDF5 distributions of the same weights: conv kernels HWIO, batch norms as their own
  // layers, named as Keras 2 (res2a_branch2a, bn2a_branch2a) or tf.keras (conv2_block1_1_conv, _bn).
  for (const size_t naming : {0, 1}) {
    std::vector<testing::KerasLayer> layers;
    for (const NodeSpec& node : network_spec("resnet50").nodes) {
      if (node.op != NodeOp::Conv) continue;
      const ConvParams conv = original->conv(node.weight_names.front());
      const std::string& name = node.weight_names.at(naming);
      layers.push_back(testing::keras_conv(name, conv.weight.permute({2, 3, 1, 0}).contiguous(), conv.bias));
      const BatchNormParams bn = original->batch_norm(node.batch_norm_names.front());
      const std::string& bn_name = node.batch_norm_names.at(naming);
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
    if (naming == 1) EXPECT_EQ(copy->layers().front(), "conv1_conv");
    expect_same_features("resnet50", *original, *copy, "res3a");
  }
}

// Every convolution of `network` present in `weights`, written as a binary .caffemodel (the format
// DeepScale released SqueezeNet and BVLC released GoogLeNet in).
std::filesystem::path as_caffemodel(const std::string& network, const WeightSource& weights,
                                    const testing::TempDir& dir) {
  std::vector<std::pair<std::string, ConvParams>> convs;
  for (const NodeSpec& node : network_spec(network).nodes)
    if (node.op == NodeOp::Conv) convs.emplace_back(node.weight_names.front(), weights.conv(node.weight_names.front()));
  const auto path = dir / (network + ".caffemodel");
  testing::write_caffemodel(path, convs);
  return path;
}

TEST(CrossFormat, SqueezeNetFromMatFileAndCaffemodelAgree) {
  if (!std::filesystem::exists(testing::squeezenet_file())) GTEST_SKIP() << "no shared SqueezeNet";
  auto original = open_weights(testing::squeezenet_file());
  testing::TempDir dir;
  auto copy = open_weights(as_caffemodel("squeezenet", *original, dir));
  EXPECT_EQ(copy->format().rfind("Caffe", 0), 0u) << copy->format();
  expect_same_features("squeezenet", *original, *copy, "fire9");
}

TEST(CrossFormat, GoogLeNetFromCaffeLayerFilesAndCaffemodelAgree) {
  const auto dir_path = testing::shared_dir() / "models" / "googlenet";
  if (!std::filesystem::exists(dir_path / "deploy.prototxt")) GTEST_SKIP() << "no shared GoogLeNet";
  auto original = open_weights(dir_path);
  testing::TempDir dir;
  auto copy = open_weights(as_caffemodel("googlenet", *original, dir));
  EXPECT_NE(copy->format(), original->format());
  expect_same_features("googlenet", *original, *copy, "inception_5b/output");
}

}  // namespace
}  // namespace impasto
