#include "transfer/objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "impasto/errors.h"
#include "transfer/gradient_check.h"

namespace impasto {
namespace {

// A double-precision SqueezeNet with random weights: finite differences need double precision, and
// the loss code does not depend on which weights the network holds.
struct GradientCheck : ::testing::Test {
  NetworkConfig config() {
    NetworkConfig c;
    c.dtype = torch::kDouble;
    return c;
  }
  ObjectiveConfig objective_config(double content, double style, double tv) {
    const NetworkSpec& spec = network_spec("squeezenet");
    ObjectiveConfig c;
    c.content_layers = parse_layer_weights("fire3", spec, "content");
    c.style_layers = parse_layer_weights("conv1:0.5,fire2,fire4:2", spec, "style");
    c.content_weight = content;
    c.style_weight = style;
    c.tv_weight = tv;
    return c;
  }

  // Relative error between the analytic directional derivative and a central difference.
  double relative_error(const ObjectiveConfig& objective_config, int styles) {
    torch::manual_seed(7);
    Network network(network_spec("squeezenet"), nullptr, Objective::taps(objective_config), config());
    auto image = [] { return torch::rand({1, 3, 40, 36}, torch::kDouble); };
    std::vector<torch::Tensor> style_images;
    for (int i = 0; i < styles; ++i) style_images.push_back(image());
    std::vector<double> blend = styles > 1 ? std::vector<double>{0.3, 0.7} : std::vector<double>{};
    Objective objective(network, objective_config, image(), style_images, blend);

    return directional_derivative_error(objective, image());
  }
};

TEST_F(GradientCheck, ContentLoss) { EXPECT_LT(relative_error(objective_config(1, 0, 0), 1), 1e-3); }
TEST_F(GradientCheck, StyleLoss) { EXPECT_LT(relative_error(objective_config(0, 1, 0), 1), 1e-3); }
TEST_F(GradientCheck, TotalVariationLoss) { EXPECT_LT(relative_error(objective_config(0, 0, 1), 1), 1e-3); }
TEST_F(GradientCheck, BlendedStyleLoss) { EXPECT_LT(relative_error(objective_config(0, 1, 0), 2), 1e-3); }
TEST_F(GradientCheck, AllLossesTogether) { EXPECT_LT(relative_error(objective_config(2, 5, 0.5), 2), 1e-3); }

// Every --style-loss statistic, plain and guided by regions (masks over the output and the styles).
class StatisticGradientCheck : public GradientCheck, public ::testing::WithParamInterface<std::string> {};
TEST_P(StatisticGradientCheck, StyleLoss) {
  ObjectiveConfig c = objective_config(0, 1, 0);
  c.style_statistic = GetParam();
  EXPECT_LT(relative_error(c, 2), 1e-3);
}
TEST_P(StatisticGradientCheck, GuidedStyleLoss) {
  ObjectiveConfig c = objective_config(0, 1, 0);
  c.style_statistic = GetParam();
  torch::manual_seed(9);
  const torch::Tensor left = (torch::arange(36, torch::kDouble) < 20).to(torch::kDouble).view({1, 1, 1, 36}).expand({1, 1, 40, 36});
  c.style_regions = {{"left", left, 0.6, {{0, torch::rand({1, 1, 40, 36}, torch::kDouble), 1.0}}},
                     {"right", 1 - left, 0.4, {{0, {}, 1.0}, {1, {}, 2.0}}}};
  EXPECT_LT(relative_error(c, 2), 1e-3);
}
INSTANTIATE_TEST_SUITE_P(Statistics, StatisticGradientCheck, ::testing::Values("gram", "meancov", "wasserstein"));

ObjectiveConfig squeezenet_config(const std::string& content_layers, double content_weight) {
  const NetworkSpec& spec = network_spec("squeezenet");
  ObjectiveConfig c;
  c.content_layers = parse_layer_weights(content_layers, spec, "content");
  c.style_layers = parse_layer_weights("conv1,fire2", spec, "style");
  c.content_weight = content_weight;
  return c;
}

TEST(Objective, LossIsZeroAtTheTargetsAndPositiveElsewhere) {
  torch::manual_seed(3);
  const ObjectiveConfig c = squeezenet_config("fire2", 1.0);
  Network network(network_spec("squeezenet"), nullptr, Objective::taps(c));
  torch::Tensor picture = torch::rand({1, 3, 32, 32});
  Objective objective(network, c, picture, {picture}, {});
  torch::Tensor same = picture.clone().requires_grad_(true);
  LossValues at_target = objective.evaluate(same);
  EXPECT_NEAR(at_target.total, 0.0, 1e-6);
  torch::Tensor other = torch::rand({1, 3, 32, 32}).requires_grad_(true);
  LossValues elsewhere = objective.evaluate(other);
  EXPECT_GT(elsewhere["content"], 0.01);
  EXPECT_GT(elsewhere["style"], 0.001);
}

TEST(Objective, HoldsTheTermsItsConfigurationEnablesAndSumsThem) {
  torch::manual_seed(5);
  ObjectiveConfig c = squeezenet_config("fire2", 1.0);
  c.style_weight = 3;
  c.tv_weight = 0;  // off: no term
  Network network(network_spec("squeezenet"), nullptr, Objective::taps(c));
  torch::Tensor picture = torch::rand({1, 3, 32, 32});
  Objective objective(network, c, picture, {torch::rand({1, 3, 32, 32})}, {});
  ASSERT_EQ(objective.terms().size(), 2u);
  EXPECT_EQ(objective.terms()[0]->name(), "content");
  EXPECT_EQ(objective.terms()[1]->name(), "style");
  torch::Tensor x = torch::rand({1, 3, 32, 32}).requires_grad_(true);
  const LossValues losses = objective.evaluate(x);
  ASSERT_EQ(losses.terms.size(), 2u);
  EXPECT_NEAR(losses.total, losses["content"] + losses["style"], 1e-12);
  // Each term's detail by layer adds up to its value.
  double style_layers = 0;
  for (const auto& [layer, value] : objective.detail("style").layers) style_layers += value;
  EXPECT_NEAR(style_layers, losses["style"], 1e-6 * losses["style"]);
  EXPECT_EQ(objective.detail("content").layers.at(0).first, "fire2");
  EXPECT_TRUE(objective.detail("tv").layers.empty());
  // Texture synthesis: no content image, no content term.
  Objective texture(network, c, {}, {picture}, {});
  ASSERT_EQ(texture.terms().size(), 1u);
  EXPECT_EQ(texture.terms()[0]->name(), "style");
}

TEST(Objective, BlendedTargetIsTheWeightedMeanOfGramMatrices) {
  // A blend of weights (1, 0) must equal the first style alone.
  torch::manual_seed(4);
  const ObjectiveConfig c = squeezenet_config("conv1", 0.0);
  Network network(network_spec("squeezenet"), nullptr, Objective::taps(c));
  torch::Tensor a = torch::rand({1, 3, 32, 32}), b = torch::rand({1, 3, 32, 32});
  Objective only_a(network, c, {}, {a}, {});
  Objective blend(network, c, {}, {a, b}, {1.0, 0.0});
  torch::Tensor x = torch::rand({1, 3, 32, 32});
  torch::Tensor x1 = x.clone().requires_grad_(true), x2 = x.clone().requires_grad_(true);
  EXPECT_NEAR(only_a.evaluate(x1)["style"], blend.evaluate(x2)["style"], 1e-6);
}

TEST(ParseLayerWeights, NormalisesWeightsAndRejectsBadNames) {
  const NetworkSpec& spec = network_spec("vgg19");
  auto layers = parse_layer_weights("relu1_1:1,relu2_1:3", spec, "--style-layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_DOUBLE_EQ(layers[0].weight, 0.25);
  EXPECT_DOUBLE_EQ(layers[1].weight, 0.75);
  try {
    parse_layer_weights("relu1_1,relu9_9", spec, "--style-layers");
    FAIL() << "unknown layer accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown layer 'relu9_9'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("relu4_2"), std::string::npos) << "should list valid names";
  }
  EXPECT_THROW(parse_layer_weights("relu1_1:abc", spec, "--style-layers"), InputError);
  EXPECT_THROW(parse_layer_weights("relu1_1:-1", spec, "--style-layers"), InputError);
  EXPECT_THROW(parse_layer_weights("", spec, "--style-layers"), InputError);
}

}  // namespace
}  // namespace impasto
