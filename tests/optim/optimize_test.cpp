#include "optim/optimize.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "impasto/errors.h"

namespace impasto {
namespace {

// A quadratic whose value turns NaN (or infinite) from the `bad_from`-th evaluation on.
LossValues quadratic(const torch::Tensor& image, int& calls, int bad_from, double bad) {
  ++calls;
  torch::Tensor loss = (image - 0.25).pow(2).sum();
  loss.backward();
  LossValues values;
  values.total = calls >= bad_from ? bad : loss.item<double>();
  return values;
}

void expect_stopped_at(const std::string& optimizer, double bad, const std::string& words) {
  torch::Tensor image = torch::full({1, 3, 4, 4}, 0.5);
  OptimizerConfig config;
  config.kind = optimizer;
  config.iterations = 10;
  int calls = 0, seen = 0;
  try {
    optimize(image, config, [&](const torch::Tensor& x) { return quadratic(x, calls, 3, bad); },
             [&](int iteration, const LossValues&, const torch::Tensor&) { seen = iteration; return true; });
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(words), std::string::npos) << message;
    EXPECT_NE(message.find("at iteration 3"), std::string::npos) << message;
  }
  EXPECT_EQ(seen, 2) << "the bad iteration must not reach the callback (snapshots, previews)";
}

TEST(Optimize, StopsAtTheFirstNonFiniteLoss) {
  expect_stopped_at("lbfgs", NAN, "the loss became NaN");
  expect_stopped_at("adam", INFINITY, "the loss became infinite");
}

TEST(Optimize, FiniteLossesRunToTheEnd) {
  torch::Tensor image = torch::full({1, 3, 4, 4}, 0.5);
  OptimizerConfig config;
  config.iterations = 5;
  int calls = 0;
  EXPECT_EQ(optimize(image, config, [&](const torch::Tensor& x) { return quadratic(x, calls, 1000, NAN); },
                     [](int, const LossValues&, const torch::Tensor&) { return true; }),
            5);
}

// A small Gram-matrix loss of ReLU features, like the audio style loss: L-BFGS's fixed step
// overshoots on it (the loss jumped a million-fold around the 15th iteration).
struct GramLoss {
  GramLoss() {
    torch::manual_seed(0);
    weights = torch::randn({8, 6}) * 0.5;
    const torch::Tensor f = torch::relu(weights.mm(torch::randn({6, 5})));
    target = f.mm(f.t());
  }
  LossValues operator()(const torch::Tensor& x) {
    ++calls;
    const torch::Tensor f = torch::relu(weights.mm(x.reshape({6, 5})));
    const torch::Tensor loss = (f.mm(f.t()) - target).square().sum() / target.square().sum();
    loss.backward();
    LossValues values;
    values.total = loss.item<double>();
    return values;
  }
  torch::Tensor weights, target;
  int calls = 0;
};

TEST(Optimize, LineSearchKeepsTheLossFallingAndReusesItsLastTrial) {
  GramLoss loss;
  torch::Tensor x = torch::rand({30}) * 0.3;
  OptimizerConfig config;
  config.iterations = 20;
  config.line_search = true;
  std::vector<double> totals;
  optimize(x, config, [&](const torch::Tensor& image) { return loss(image); },
           [&](int, const LossValues& losses, const torch::Tensor&) {
             totals.push_back(losses.total);
             return true;
           });
  ASSERT_EQ(totals.size(), 20u);
  for (size_t i = 1; i < totals.size(); ++i) EXPECT_LE(totals[i], totals[i - 1]) << "iteration " << i + 1;
  EXPECT_LT(totals.back(), 0.05 * totals.front());
  // One evaluation per accepted trial step, not one more at every iteration's start.
  EXPECT_LT(loss.calls, 2 * 20);
}

}  // namespace
}  // namespace impasto
