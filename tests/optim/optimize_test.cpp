#include "optim/optimize.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

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

}  // namespace
}  // namespace impasto
