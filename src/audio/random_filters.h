#pragma once
#include <torch/types.h>

#include <cstdint>

namespace impasto {

// Ulyanov & Lebedev's network: one 1-D convolution over time whose input channels are the
// spectrogram's frequency bins, with fixed random weights (no bias), then ReLU. Untrained filters
// are enough: the Gram matrix of many random projections captures the texture of a sound.
class RandomFilterBank {
 public:
  // Weights [filters, channels, width] ~ N(0, std^2) from `seed`, std = sqrt(2) sqrt(2 / ((channels
  // + filters) width)) as in the paper's code.
  RandomFilterBank(int64_t channels, int64_t filters, int64_t width, uint64_t seed);
  int64_t channels() const { return weights_.size(1); }
  int64_t filters() const { return weights_.size(0); }
  int64_t width() const { return weights_.size(2); }
  const torch::Tensor& weights() const { return weights_; }

  // log-magnitude spectrogram [1, channels, T] (T >= width) -> features [1, filters, T - width + 1]
  // (valid convolution, as in the paper).
  torch::Tensor features(const torch::Tensor& spectrogram) const;

 private:
  torch::Tensor weights_;
};

}  // namespace impasto
