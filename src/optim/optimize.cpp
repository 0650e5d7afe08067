#include "optim/optimize.h"

#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

#include "impasto/errors.h"

namespace impasto {

int optimize(torch::Tensor& image, const OptimizerConfig& config, const EvaluateFn& evaluate,
             const IterationFn& on_iteration) {
  image.requires_grad_(true);
  const bool lbfgs = config.kind == "lbfgs";
  const double lr = config.learning_rate > 0 ? config.learning_rate : (lbfgs ? 1.0 : 0.02);
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (lbfgs) {
    // One function evaluation per step: history persists across step() calls, so each step is one
    // L-BFGS iteration and progress can be observed between them.
    optimizer = std::make_unique<torch::optim::LBFGS>(
        std::vector<torch::Tensor>{image},
        torch::optim::LBFGSOptions(lr)
            .max_iter(1)
            .history_size(config.lbfgs_history)
            .tolerance_grad(0)
            .tolerance_change(0)
            .line_search_fn(config.line_search ? c10::optional<std::string>("strong_wolfe") : c10::nullopt));
  } else {
    optimizer = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{image}, torch::optim::AdamOptions(lr));
  }

  LossValues losses;  // at the start of the current iteration
  // Each step() begins by evaluating where the line search of the step before ended, usually its
  // last trial: that evaluation (point, gradient, losses) is reused rather than repeated.
  torch::Tensor evaluated_at, evaluated_grad;
  LossValues evaluated;
  bool step_started = false;
  double previous_total = NAN;
  int calm_iterations = 0;
  int iteration = 0;
  while (iteration < config.iterations) {
    auto closure = [&]() -> torch::Tensor {
      const bool first = !step_started;
      step_started = true;
      if (first && evaluated_at.defined() && torch::equal(image.detach(), evaluated_at)) {
        image.mutable_grad() = evaluated_grad.clone();
      } else {
        torch::AutoGradMode grad_mode(true);
        do {
          optimizer->zero_grad();
          evaluated = evaluate(image);
        } while (evaluated.repeat);
        // The gradient arrives in the network's memory layout; L-BFGS flattens it with view().
        if (!image.grad().is_contiguous()) image.mutable_grad() = image.grad().contiguous();
        if (config.line_search) {
          evaluated_at = image.detach().clone();
          evaluated_grad = image.grad().clone();
        }
      }
      if (first) losses = evaluated;
      return torch::tensor(evaluated.total);
    };
    step_started = false;
    optimizer->step(closure);
    if (!lbfgs) {
      torch::NoGradGuard no_grad;
      image.clamp_(0, 1);
    }
    ++iteration;
    // Extreme weights (or weights of a damaged file) make the loss overflow: stop before anything
    // of it is shown or written.
    bool finite_image = true;
    {
      torch::NoGradGuard no_grad;
      finite_image = torch::isfinite(image).all().item<bool>();
    }
    if (!std::isfinite(losses.total) || !finite_image) {
      const char* what = std::isnan(losses.total)      ? "the loss became NaN"
                         : std::isinf(losses.total)    ? "the loss became infinite"
                                                       : "the image became NaN or infinite";
      throw InputError(std::string(what) + " at iteration " + std::to_string(iteration) +
                       " (loss weights or learning rate too large?); stopped, the output was not written");
    }
    if (!on_iteration(iteration, losses, image)) break;
    if (config.tolerance > 0 && std::isfinite(previous_total)) {
      const double change = std::abs(previous_total - losses.total) / std::max(std::abs(previous_total), 1e-12);
      calm_iterations = change < config.tolerance ? calm_iterations + 1 : 0;
      if (calm_iterations >= config.patience) break;
    }
    previous_total = losses.total;
  }
  image.requires_grad_(false);
  return iteration;
}

}  // namespace impasto
