#include "transfer/mrf_term.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "transfer/gradient_check.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

namespace F = torch::nn::functional;

// The patch (mrf) style term alone, on a double-precision SqueezeNet with random weights, at conv1.
struct MrfTermCheck : ::testing::Test {
  void SetUp() override {
    torch::manual_seed(5);
    config.content_weight = config.tv_weight = 0;
    config.style_weight = 3;
    config.style_statistic = "mrf";
    config.style_layers = {{"conv1", 1.0}};
    config.mrf.max_patches = 100000;  // every style patch
    config.mrf.refresh_every = 1;
    NetworkConfig network_config;
    network_config.dtype = torch::kDouble;
    network = std::make_unique<Network>(network_spec("squeezenet"), nullptr, std::vector<std::string>{"conv1"},
                                        network_config);
  }
  torch::Tensor conv1(const torch::Tensor& image) const { return network->forward(image).at("conv1"); }

  ObjectiveConfig config;
  std::unique_ptr<Network> network;
};

TEST_F(MrfTermCheck, IsTheDistanceOfEachPatchToItsBestCorrelatedStylePatch) {
  const torch::Tensor style = torch::rand({1, 3, 24, 24}, torch::kDouble);
  Objective objective(*network, config, torch::Tensor(), {style}, {1.0});
  ASSERT_EQ(objective.terms().size(), 1u);
  EXPECT_EQ(objective.terms()[0]->name(), "style");
  const torch::Tensor x = torch::rand({1, 3, 20, 18}, torch::kDouble).requires_grad_(true);
  const double loss = objective.evaluate(x)["style"];

  const torch::Tensor out = F::unfold(conv1(x.detach()), F::UnfoldFuncOptions(3))[0].t();  // [L, C*9]
  const torch::Tensor patches = F::unfold(conv1(style), F::UnfoldFuncOptions(3))[0].t();
  const torch::Tensor keys = patches / patches.norm(2, 1, true);
  const torch::Tensor best = out.matmul(keys.t()).argmax(1);
  const torch::Tensor targets = patches.index_select(0, best);
  const double expected = 3 * kMrfLossScale * (out - targets).square().sum().item<double>() /
                          (out.size(0) * patches.square().sum(1).mean().item<double>());
  EXPECT_GT(expected, 0);
  EXPECT_NEAR(loss, expected, 1e-9 * expected);
}

TEST_F(MrfTermCheck, GradientMatchesFiniteDifferences) {
  config.mrf.refresh_every = 1000;  // matches held, as between refreshes
  Objective objective(*network, config, torch::Tensor(), {torch::rand({1, 3, 24, 24}, torch::kDouble)}, {1.0});
  EXPECT_LT(directional_derivative_error(objective, torch::rand({1, 3, 20, 18}, torch::kDouble)), 1e-6);
}

// A picture black on the left and white on the right, as style and as output. Region 0 is the
// output's left half, region 1 its right half; each region names the part of the style its patches
// may come from.
struct Halves {
  torch::Tensor picture, left, right;
  Halves() {
    picture = torch::zeros({1, 3, 32, 32}, torch::kDouble);
    picture.narrow(3, 16, 16).fill_(1.0);
    left = torch::zeros({1, 1, 32, 32}, torch::kDouble);
    left.narrow(3, 0, 16).fill_(1.0);
    right = 1 - left;
  }
  // crossed: each output half must take its patches from the other half of the style.
  std::vector<StyleRegion> regions(bool crossed) const {
    StyleRegion left_out{"left", left, 1.0, {{0, crossed ? right : left, 1.0}}};
    StyleRegion right_out{"right", right, 1.0, {{0, crossed ? left : right, 1.0}}};
    return {left_out, right_out};
  }
};

TEST_F(MrfTermCheck, MapsKeepPatchesToTheirRegionAsStronglyAsTheSemanticWeightSays) {
  const Halves h;
  auto loss = [&](bool crossed, double semantic_weight) {
    ObjectiveConfig c = config;
    c.style_regions = h.regions(crossed);
    c.mrf.semantic_weight = semantic_weight;
    Objective objective(*network, c, torch::Tensor(), {h.picture}, {1.0});
    return objective.evaluate(h.picture.clone().requires_grad_(true))["style"];
  };
  const double matching = loss(false, 10), crossed = loss(true, 10), crossed_free = loss(true, 0);
  EXPECT_GT(crossed, 0.1 * kMrfLossScale);
  EXPECT_LT(matching, 1e-6 * crossed);      // every patch finds itself within its region
  EXPECT_LT(crossed_free, 1e-6 * crossed);  // weight 0: the maps are ignored, and each patch finds itself anyway
}

TEST(MrfTerm, ReplacesTheStatisticStyleTermOnlyWhenAskedFor) {
  ObjectiveConfig config;
  config.style_layers = {{"conv1", 1.0}};
  config.content_layers = {{"conv1", 1.0}};
  NetworkConfig network_config;
  Network network(network_spec("squeezenet"), nullptr, std::vector<std::string>{"conv1"}, network_config);
  const torch::Tensor image = torch::rand({1, 3, 16, 16});
  for (const std::string statistic : {"gram", "mrf"}) {
    config.style_statistic = statistic;
    Objective objective(network, config, image, {image}, {1.0});
    int style_terms = 0;
    for (const auto& term : objective.terms()) style_terms += term->name() == "style";
    EXPECT_EQ(style_terms, 1) << statistic;
  }
}

}  // namespace
}  // namespace impasto
