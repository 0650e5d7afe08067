#include "audio/griffin_lim.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace impasto {
namespace {

torch::Tensor unit_phase(const torch::Tensor& spectrum) { return spectrum / (spectrum.abs() + 1e-16); }

}  // namespace

double spectral_convergence(const torch::Tensor& magnitude, const torch::Tensor& rebuilt_spectrum) {
  const double norm = magnitude.norm().item<double>();
  return norm > 0 ? (magnitude - rebuilt_spectrum.abs()).norm().item<double>() / norm : 0.0;
}

torch::Tensor griffin_lim(const torch::Tensor& magnitude, int64_t length, const Stft& stft,
                          const GriffinLimConfig& config, const std::function<void(int, double)>& on_iteration) {
  torch::NoGradGuard no_grad;
  const torch::Tensor target = magnitude.to(torch::kFloat).contiguous();
  torch::Tensor phase;
  if (config.initial_spectrum.defined() && config.initial_spectrum.sizes() == target.sizes()) {
    phase = unit_phase(config.initial_spectrum.to(torch::kComplexFloat));
  } else {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(config.seed);
    const torch::Tensor angle = torch::rand(target.sizes(), generator, torch::kFloat) * (2 * M_PI);
    phase = torch::polar(torch::ones_like(target), angle);
  }
  torch::Tensor previous, best;
  double best_sc = INFINITY;
  for (int i = 1; i <= config.iterations; ++i) {
    const torch::Tensor samples = stft.inverse(target * phase, length);
    const torch::Tensor rebuilt = stft.forward(samples);
    const double sc = spectral_convergence(target, rebuilt);
    if (on_iteration) on_iteration(i, sc);
    // The momentum makes the error ripple near convergence; the best estimate is kept.
    if (sc < best_sc) {
      best_sc = sc;
      best = samples;
    }
    // Fast Griffin-Lim: project, then step past the projection in the direction it moved.
    phase = unit_phase(previous.defined() ? rebuilt + config.momentum * (rebuilt - previous) : rebuilt);
    previous = rebuilt;
  }
  return best.defined() ? best : stft.inverse(target * phase, length);
}

}  // namespace impasto
