#pragma once
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "transfer/objective.h"

namespace impasto {

// Relative error between the objective's analytic derivative at x along a random direction and a
// central difference (x in double precision). Fails the test when the analytic derivative is 0.
inline double directional_derivative_error(Objective& objective, const torch::Tensor& at) {
  torch::Tensor x = at.detach().clone().requires_grad_(true);
  objective.evaluate(x);
  const torch::Tensor direction = torch::randn_like(x);
  const double analytic = (x.grad() * direction).sum().item<double>();
  const double h = 1e-6;
  auto loss_at = [&](double t) {
    torch::Tensor shifted = (x.detach() + t * direction).requires_grad_(true);
    return objective.evaluate(shifted).total;
  };
  const double numeric = (loss_at(h) - loss_at(-h)) / (2 * h);
  EXPECT_NE(analytic, 0.0);
  return std::abs(analytic - numeric) / std::max(std::abs(analytic), std::abs(numeric));
}

}  // namespace impasto
