#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "audio/spectrogram.h"

namespace impasto {

struct GriffinLimConfig {
  int iterations = 100;
  double momentum = 0.99;  // 0: the original Griffin-Lim; 0.99: Perraudin et al.'s fast variant
  uint64_t seed = 0;       // of the initial random phase
  // Complex [bins, T] whose phase starts the iterations instead of a random one (audio transfer: the
  // content's, which the output's magnitudes were drawn from); undefined or of another shape: random.
  torch::Tensor initial_spectrum;
};

// ||S - |STFT(y)||| / ||S||: how far the signal's magnitudes are from the target's (0: exactly).
double spectral_convergence(const torch::Tensor& magnitude, const torch::Tensor& rebuilt_spectrum);

// A signal of `length` samples whose STFT magnitude approaches `magnitude` [bins, T] (fast
// Griffin-Lim). on_iteration(i, sc) reports the spectral convergence of the i-th estimate; the
// returned signal is the estimate with the lowest one.
torch::Tensor griffin_lim(const torch::Tensor& magnitude, int64_t length, const Stft& stft,
                          const GriffinLimConfig& config, const std::function<void(int, double)>& on_iteration = {});

}  // namespace impasto
