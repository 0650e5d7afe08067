#pragma once
#include <torch/types.h>

#include <functional>
#include <string>

#include "transfer/objective.h"

namespace impasto {

struct OptimizerConfig {
  std::string kind = "lbfgs";  // lbfgs | adam
  int iterations = 500;
  double learning_rate = 0;    // 0: 1 for L-BFGS, 0.02 for Adam
  int lbfgs_history = 10;
  // L-BFGS only: a strong-Wolfe line search instead of the fixed step, so the loss never jumps up:
  // on the audio loss the fixed step overshot by 100-3000x now and then, and a run could end on
  // such a step. Its first iteration costs several evaluations; later ones mostly take the first trial.
  bool line_search = false;
  double tolerance = 0;        // stop when |relative loss change| < tolerance for `patience` iterations
  int patience = 5;
};

// Evaluates the loss at the image and accumulates its gradient into image.grad().
using EvaluateFn = std::function<LossValues(const torch::Tensor& image)>;
// Called after every iteration (1-based) with the losses measured at its start; return false to stop.
using IterationFn = std::function<bool(int iteration, const LossValues& losses, const torch::Tensor& image)>;

// Optimises `image` (a leaf tensor, modified in place). Returns the number of iterations run.
int optimize(torch::Tensor& image, const OptimizerConfig& config, const EvaluateFn& evaluate,
             const IterationFn& on_iteration);

}  // namespace impasto
