#pragma once
#include <torch/torch.h>

#include <cmath>
#include <cstdint>

namespace impasto::testing {

// A tone at `frequency` with `harmonics` overtones of falling amplitude (1/k), peak about 0.5.
inline torch::Tensor harmonic_tone(double frequency, double seconds, int rate, int harmonics = 4) {
  const torch::Tensor t = torch::arange(static_cast<int64_t>(seconds * rate), torch::kDouble) / rate;
  torch::Tensor y = torch::zeros_like(t);
  double sum = 0;
  for (int k = 1; k <= harmonics + 1; ++k) {
    y += torch::sin(2 * M_PI * frequency * k * t) / k;
    sum += 1.0 / k;
  }
  return (y * (0.5 / sum)).to(torch::kFloat);
}

// A rising sweep from f0 to f1 Hz, amplitude 0.5, pulsed on and off four times a second: a sound whose
// spectrum changes over time, unlike a tone's.
inline torch::Tensor pulsed_chirp(double f0, double f1, double seconds, int rate) {
  const torch::Tensor t = torch::arange(static_cast<int64_t>(seconds * rate), torch::kDouble) / rate;
  const torch::Tensor phase = 2 * M_PI * (f0 * t + (f1 - f0) / (2 * seconds) * t * t);
  const torch::Tensor gate = (torch::sin(2 * M_PI * 4 * t) > 0).to(torch::kDouble) * 0.9 + 0.1;
  return (0.5 * torch::sin(phase) * gate).to(torch::kFloat);
}

// Pearson correlation of two tensors' values.
inline double correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.flatten().to(torch::kDouble), y = b.flatten().to(torch::kDouble);
  const torch::Tensor dx = x - x.mean(), dy = y - y.mean();
  return ((dx * dy).sum() / (dx.norm() * dy.norm())).item<double>();
}

}  // namespace impasto::testing
