#include "audio/random_filters.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace impasto {

RandomFilterBank::RandomFilterBank(int64_t channels, int64_t filters, int64_t width, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double stddev = std::sqrt(2.0) * std::sqrt(2.0 / static_cast<double>((channels + filters) * width));
  weights_ = torch::randn({filters, channels, width}, generator, torch::kFloat) * stddev;
}

torch::Tensor RandomFilterBank::features(const torch::Tensor& spectrogram) const {
  return torch::relu(torch::conv1d(spectrogram, weights_));
}

}  // namespace impasto
