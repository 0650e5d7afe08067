// How a network feeds the image to its first layer: the presets' arithmetic, which convention it
// resolves to, and an end-to-end check that the conventions are equivalent reparametrisations.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "memory_weights.h"
#include "nets/network.h"
#include "weights/input_convention.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

using testing::MemoryWeights;

NetworkConfig config_for(const InputConvention& input, torch::Dtype dtype = torch::kDouble) {
  NetworkConfig config;
  config.input = input;
  config.dtype = dtype;
  return config;
}

TEST(NetworkInput, PreprocessesAKnownPixelUnderEachPreset) {
  // The pixel (R, G, B) = (0.2, 0.5, 0.8), as each preset feeds it, in its channel order.
  struct Case {
    InputConvention convention;
    std::array<double, 3> expected;
  };
  const Case cases[] = {
      {caffe_input(), {100.061, 10.721, -72.68}},                                // B, G, R: 255 x - mean
      {torchvision_input(), {-1.244541484716157, 0.19642857142857134, 1.751111111111111}},  // (x - mean) / std
      {matconvnet_input(), {-72.68, 10.721, 100.061}},                           // R, G, B: 255 x - mean
  };
  const NetworkSpec& spec = network_spec("vgg19");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.convention.name);
    for (torch::Dtype dtype : {torch::kDouble, torch::kFloat}) {
      const Network network(spec, nullptr, {"relu1_1"}, config_for(c.convention, dtype));
      const torch::Tensor pixel = torch::tensor({0.2, 0.5, 0.8}, dtype).view({1, 3, 1, 1});
      const torch::Tensor fed = network.preprocess(pixel).to(torch::kDouble).flatten();
      const double tolerance = dtype == torch::kDouble ? 1e-9 : 1e-4;
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(fed[k].item<double>(), c.expected[k], tolerance) << k;
    }
  }
}

TEST(NetworkInput, ResolvesTheFilesTheOptionsOrTheNetworksConvention) {
  const NetworkSpec& vgg = network_spec("vgg19");
  const NetworkSpec& squeezenet = network_spec("squeezenet");
  std::string source;
  EXPECT_EQ(resolve_input_convention(vgg, nullptr, "auto", &source), caffe_input());
  EXPECT_EQ(source, "network default");
  // SqueezeNet's Caffe release has its own mean, kept when caffe is asked for by name.
  EXPECT_EQ(resolve_input_convention(squeezenet, nullptr, "caffe", &source), caffe_input({104.006, 116.669, 122.679}));
  EXPECT_EQ(source, "--input-convention");
  EXPECT_EQ(resolve_input_convention(squeezenet, nullptr, "torchvision"), torchvision_input());

  MemoryWeights weights;
  EXPECT_EQ(resolve_input_convention(vgg, &weights, "auto"), caffe_input());  // the file declares nothing
  weights.declared = matconvnet_input({120, 110, 100});
  EXPECT_EQ(resolve_input_convention(vgg, &weights, "auto", &source), *weights.declared);
  EXPECT_EQ(source, "weights file");
  EXPECT_EQ(resolve_input_convention(vgg, &weights, "matconvnet"), *weights.declared);  // the file's mean
  EXPECT_EQ(resolve_input_convention(vgg, &weights, "caffe", &source), caffe_input());
  EXPECT_EQ(source, "--input-convention");

  // A network given no convention takes the file's.
  weights.convs["conv1_1"] = {torch::zeros({64, 3, 3, 3}), torch::zeros({64})};
  EXPECT_EQ(Network(vgg, &weights, {"relu1_1"}).input_convention(), *weights.declared);
  EXPECT_EQ(Network(vgg, nullptr, {"relu1_1"}).input_convention(), caffe_input());
}

// First-layer parameters that take `to`'s input and compute what `params` compute on `from`'s. Per
// RGB channel r, fed as channel k by `from` and j by `to`, x_from[k] = a * x_to[j] + c with
// a = range_from std_to[j] / (range_to std_from[k]), c = (range_from mean_to[j] / range_to - mean_from[k]) / std_from[k].
ConvParams reparametrise(const ConvParams& params, const InputConvention& from, const InputConvention& to) {
  ConvParams result{params.weight.clone(), params.bias.clone()};
  for (int j = 0; j < 3; ++j) {
    const int r = to.bgr ? 2 - j : j, k = from.bgr ? 2 - r : r;
    const double a = from.range * to.stddev[j] / (to.range * from.stddev[k]);
    const double c = (from.range * to.mean[j] / to.range - from.mean[k]) / from.stddev[k];
    const torch::Tensor w = params.weight.select(1, k);
    result.weight.select(1, j).copy_(w * a);
    result.bias += w.sum({1, 2}) * c;
  }
  return result;
}

TEST(NetworkInput, ReparametrisedWeightsGiveTheSameFeatures) {
  // Zero padding is not reparametrised (a padded zero means a different colour in each convention),
  // so only pixels whose receptive field lies inside the image are compared.
  const NetworkSpec& spec = network_spec("vgg19");
  torch::manual_seed(11);
  MemoryWeights caffe_weights;
  caffe_weights.convs["conv1_1"] = {torch::randn({64, 3, 3, 3}, torch::kDouble) * 0.3,
                                    torch::randn({64}, torch::kDouble)};
  caffe_weights.convs["conv1_2"] = {torch::randn({64, 64, 3, 3}, torch::kDouble) * 0.06,
                                    torch::randn({64}, torch::kDouble)};
  const torch::Tensor image = torch::rand({1, 3, 12, 10}, torch::kDouble);
  torch::NoGradGuard no_grad;
  const Network caffe_network(spec, &caffe_weights, {"relu1_2"}, config_for(caffe_input()));
  const torch::Tensor expected = caffe_network.forward(image).at("relu1_2").slice(2, 2, -2).slice(3, 2, -2);
  ASSERT_GT(expected.abs().max().item<double>(), 1.0);

  for (const InputConvention& target : {torchvision_input(), matconvnet_input({120.5, 101.25, 99.0})}) {
    SCOPED_TRACE(target.name);
    MemoryWeights converted = caffe_weights;
    converted.convs["conv1_1"] = reparametrise(caffe_weights.convs["conv1_1"], caffe_input(), target);
    const Network network(spec, &converted, {"relu1_2"}, config_for(target));
    const torch::Tensor features = network.forward(image).at("relu1_2").slice(2, 2, -2).slice(3, 2, -2);
    EXPECT_LT((features - expected).abs().max().item<double>(), 1e-4);
    // The same weights fed the Caffe way are far off: the comparison can tell conventions apart.
    const Network wrong(spec, &converted, {"relu1_2"}, config_for(caffe_input()));
    const torch::Tensor mismatch = wrong.forward(image).at("relu1_2").slice(2, 2, -2).slice(3, 2, -2);
    EXPECT_GT((mismatch - expected).abs().max().item<double>(), 1.0);
  }
}

}  // namespace
}  // namespace impasto
