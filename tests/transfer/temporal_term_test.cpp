#include "transfer/temporal_term.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "transfer/gradient_check.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

// The temporal term alone (the other weights 0), on a double-precision SqueezeNet with random weights.
struct TemporalTermCheck : ::testing::Test {
  void SetUp() override {
    torch::manual_seed(3);
    config.content_weight = config.style_weight = config.tv_weight = 0;
    config.temporal.weight = 50;
    for (int j = 0; j < 2; ++j)
      config.temporal.targets.push_back({torch::rand({1, 3, 20, 18}, torch::kDouble),
                                         (torch::rand({1, 1, 20, 18}, torch::kDouble) > 0.3).to(torch::kDouble)});
    NetworkConfig network_config;
    network_config.dtype = torch::kDouble;
    // A network needs a tap; no term reads it (content and style weigh 0).
    network = std::make_unique<Network>(network_spec("squeezenet"), nullptr, std::vector<std::string>{"conv1"},
                                        network_config);
  }
  ObjectiveConfig config;
  std::unique_ptr<Network> network;
};

TEST_F(TemporalTermCheck, IsTheWeightedMeanSquaredDifferenceToEachWarpedFrame) {
  Objective objective(*network, config, torch::Tensor(), {}, {});
  const torch::Tensor x = torch::rand({1, 3, 20, 18}, torch::kDouble).requires_grad_(true);
  const LossValues losses = objective.evaluate(x);
  double expected = 0;
  for (const auto& t : config.temporal.targets)
    expected += (t.weights * (x.detach() - t.image).square()).sum().item<double>() / x.numel();
  EXPECT_NEAR(losses["temporal"], 50 * expected, 1e-9);
  EXPECT_NEAR(losses.total, losses["temporal"], 1e-12);
}

TEST_F(TemporalTermCheck, GradientMatchesFiniteDifferences) {
  Objective objective(*network, config, torch::Tensor(), {}, {});
  EXPECT_LT(directional_derivative_error(objective, torch::rand({1, 3, 20, 18}, torch::kDouble)), 1e-6);
}

TEST_F(TemporalTermCheck, AFocusedWindowComparesWithTheTargetsUnderIt) {
  Objective objective(*network, config, torch::Tensor(), {}, {});
  objective.focus(ImageWindow{4, 6, 10, 8});
  const torch::Tensor x = torch::rand({1, 3, 10, 8}, torch::kDouble).requires_grad_(true);
  double expected = 0;
  for (const auto& t : config.temporal.targets)
    expected += (t.weights.narrow(2, 4, 10).narrow(3, 6, 8) * (x.detach() - t.image.narrow(2, 4, 10).narrow(3, 6, 8)).square())
                    .sum()
                    .item<double>() /
                x.numel();
  EXPECT_NEAR(objective.evaluate(x)["temporal"], 50 * expected, 1e-9);
}

TEST(TemporalTerm, IsLeftOutWithoutWeightOrTargets) {
  ObjectiveConfig config;
  config.temporal.weight = 0;
  config.temporal.targets.push_back({torch::rand({1, 3, 8, 8}), torch::ones({1, 1, 8, 8})});
  NetworkConfig network_config;
  Network network(network_spec("squeezenet"), nullptr, std::vector<std::string>{"conv1"}, network_config);
  Objective objective(network, config, torch::rand({1, 3, 8, 8}), {torch::rand({1, 3, 8, 8})}, {});
  for (const auto& term : objective.terms()) EXPECT_NE(term->name(), "temporal");
}

}  // namespace
}  // namespace impasto
