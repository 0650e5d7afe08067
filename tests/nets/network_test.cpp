#include "nets/network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "impasto/errors.h"
#include "test_support.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

using impasto::testing::squeezenet_file;
using impasto::testing::vgg19_partial_dir;

TEST(Network, SqueezeNetProducesTheDocumentedShapes) {
  if (!std::filesystem::exists(squeezenet_file())) GTEST_SKIP() << "no shared SqueezeNet weights";
  auto weights = open_weights(squeezenet_file());
  Network network(network_spec("squeezenet"), weights.get(), {"conv1", "fire3", "fire5", "fire9"});
  torch::NoGradGuard no_grad;
  auto taps = network.forward(torch::rand({1, 3, 224, 224}));
  EXPECT_EQ(taps.at("conv1").sizes(), (std::vector<int64_t>{1, 64, 111, 111}));
  EXPECT_EQ(taps.at("fire3").sizes(), (std::vector<int64_t>{1, 128, 55, 55}));
  EXPECT_EQ(taps.at("fire5").sizes(), (std::vector<int64_t>{1, 256, 27, 27}));
  EXPECT_EQ(taps.at("fire9").sizes(), (std::vector<int64_t>{1, 512, 13, 13}));
  EXPECT_TRUE(torch::isfinite(taps.at("fire9")).all().item<bool>());
  EXPECT_GT(taps.at("fire9").max().item<float>(), 0.0f);
  // The shape walk agrees with the computation.
  for (const auto& shape : network.shapes(224, 224))
    if (shape.spec->name == "fire9") EXPECT_EQ(shape.height, 13);
}

TEST(Network, PretrainedSqueezeNetTellsImagesApart) {
  // Real weights respond differently to a photo and to flat grey; random garbage weights would not
  // be caught by shape checks alone.
  if (!std::filesystem::exists(squeezenet_file())) GTEST_SKIP() << "no shared SqueezeNet weights";
  auto weights = open_weights(squeezenet_file());
  Network network(network_spec("squeezenet"), weights.get(), {"fire9"});
  torch::NoGradGuard no_grad;
  torch::Tensor grey = network.forward(torch::full({1, 3, 128, 128}, 0.5)).at("fire9");
  torch::Tensor noise = network.forward(torch::rand({1, 3, 128, 128})).at("fire9");
  EXPECT_GT((grey - noise).abs().mean().item<float>(), 0.1f);
}

// --precision bf16 (run on the GPU; here on the CPU, where libtorch computes bf16 convolutions too):
// the image goes in and the taps come out as fp32, and the gradient reaches the fp32 image.
TEST(Network, Bf16LayersTakeAndGiveFp32AndFollowTheFp32Network) {
  const NetworkSpec& spec = network_spec("vgg19");
  NetworkConfig reduced_config;
  reduced_config.dtype = torch::kBFloat16;
  torch::manual_seed(3);
  const Network fp32(spec, nullptr, {"relu1_1", "relu2_1"});
  torch::manual_seed(3);
  const Network bf16(spec, nullptr, {"relu1_1", "relu2_1"}, reduced_config);
  EXPECT_FALSE(bf16.scales_gradients()) << "bf16 has fp32's range: no gradient scaling";
  const torch::Tensor image = torch::rand({1, 3, 32, 32});
  auto features = [&](const Network& network, torch::Tensor& gradient) {
    torch::Tensor x = image.clone().requires_grad_(true);
    const auto taps = network.forward(x);
    (taps.at("relu2_1").square().mean() + taps.at("relu1_1").mean()).backward();
    gradient = x.grad();
    return taps.at("relu2_1");
  };
  torch::Tensor g32, g16;
  const torch::Tensor f32 = features(fp32, g32), f16 = features(bf16, g16);
  EXPECT_EQ(f16.scalar_type(), torch::kFloat);
  EXPECT_EQ(g16.scalar_type(), torch::kFloat);
  EXPECT_LT(((f16 - f32).norm() / f32.norm()).item<double>(), 0.02) << "bf16 keeps about 3 significant digits";
  EXPECT_GT(torch::cosine_similarity(g16.flatten(), g32.flatten(), 0).item<double>(), 0.99);
}

TEST(Network, BuildsOnlyTheLayersTheTapsNeed) {
  const NetworkSpec& spec = network_spec("vgg19");
  EXPECT_EQ(Network(spec, nullptr, {"relu1_1"}).convolutions().size(), 1u);
  EXPECT_EQ(Network(spec, nullptr, {"relu3_1", "relu1_2"}).convolutions().size(), 5u);
  EXPECT_EQ(Network(spec, nullptr, {"relu5_1"}).convolutions().size(), 13u);
  // SqueezeNet fire2 needs conv1 and fire2's three convolutions.
  EXPECT_EQ(Network(network_spec("squeezenet"), nullptr, {"fire2"}).convolutions().size(), 4u);
}

TEST(Network, PartialVgg19WorksUpToItsLastLayerAndNamesTheMissingOne) {
  if (!std::filesystem::exists(vgg19_partial_dir() / "model.json")) GTEST_SKIP() << "no shared VGG-19";
  auto weights = open_weights(vgg19_partial_dir());
  const NetworkSpec& spec = network_spec("vgg19");
  Network network(spec, weights.get(), {"relu1_1", "relu3_4"});
  torch::NoGradGuard no_grad;
  auto taps = network.forward(torch::rand({1, 3, 64, 48}));
  EXPECT_EQ(taps.at("relu3_4").sizes(), (std::vector<int64_t>{1, 256, 16, 12}));
  try {
    Network deeper(spec, weights.get(), {"relu4_1"});
    FAIL() << "a layer missing from the file was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("relu4_1"), std::string::npos) << e.what();
  }
}

// Answers every name with the same tensors, whatever the layer.
class FixedSource : public WeightSource {
 public:
  FixedSource(std::vector<int64_t> shape) : shape_(std::move(shape)) {}
  std::vector<std::string> layers() const override { return {"conv1", "conv1_1", "block1_conv1"}; }
  ConvParams conv(const std::string&) const override { return {torch::zeros(shape_), torch::zeros({shape_[0]})}; }
  std::string format() const override { return "test"; }

 private:
  std::vector<int64_t> shape_;
};

TEST(Network, RejectsWeightsOfAnotherNetworkByShape) {
  FixedSource vgg_shaped({64, 3, 3, 3});
  EXPECT_NO_THROW(Network(network_spec("vgg19"), &vgg_shaped, {"relu1_1"}));
  FixedSource other({96, 3, 7, 7});  // e.g. a GoogLeNet-like first layer
  try {
    Network network(network_spec("vgg19"), &other, {"relu1_1"});
    FAIL() << "wrong shape accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("[96,3,7,7]"), std::string::npos) << message;
    EXPECT_NE(message.find("expected [64,3,3,3]"), std::string::npos) << message;
  }
}

TEST(Network, AveragePoolingChangesDeeperFeaturesOnly) {
  torch::manual_seed(5);
  const NetworkSpec& spec = network_spec("vgg16");
  Network max_net(spec, nullptr, {"relu1_1", "relu2_1"});
  torch::manual_seed(5);
  NetworkConfig avg;
  avg.average_pooling = true;
  Network avg_net(spec, nullptr, {"relu1_1", "relu2_1"}, avg);
  torch::NoGradGuard no_grad;
  torch::Tensor image = torch::rand({1, 3, 32, 32});
  auto a = max_net.forward(image), b = avg_net.forward(image);
  EXPECT_TRUE(torch::allclose(a.at("relu1_1"), b.at("relu1_1")));
  EXPECT_FALSE(torch::allclose(a.at("relu2_1"), b.at("relu2_1")));
}

TEST(Network, TooSmallInputIsAnInputError) {
  Network network(network_spec("squeezenet"), nullptr, {"fire9"});
  EXPECT_THROW(network.check_input_size(16, 16), InputError);
  EXPECT_NO_THROW(network.check_input_size(64, 64));
}

TEST(NetworkSpec, UnknownNetworkListsTheKnownOnes) {
  try {
    network_spec("alexnet");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("squeezenet"), std::string::npos);
  }
}

}  // namespace
}  // namespace impasto
