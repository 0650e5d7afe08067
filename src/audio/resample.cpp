#include "audio/resample.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace impasto {
namespace {

constexpr int kZeroCrossings = 32;
constexpr double kKaiserBeta = 8.6;       // about -90 dB side lobes
constexpr double kCutoffMargin = 0.95;    // passband edge relative to the lower Nyquist frequency
constexpr int kTableSteps = 256;          // filter table entries per input sample

double bessel_i0(double x) {
  double sum = 1, term = 1;
  for (int k = 1; k < 40; ++k) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

}  // namespace

torch::Tensor resample(const torch::Tensor& samples, int from_rate, int to_rate) {
  if (from_rate == to_rate) return samples;
  const torch::Tensor input = samples.to(torch::kFloat).contiguous();
  const int64_t in_length = input.size(0);
  const int64_t out_length = std::max<int64_t>(1, std::llround(static_cast<double>(in_length) * to_rate / from_rate));
  // Cutoff in cycles per input sample is cutoff/2; the filter is cutoff * sinc(cutoff * t).
  const double cutoff = std::min(1.0, static_cast<double>(to_rate) / from_rate) * kCutoffMargin;
  const double half_width = kZeroCrossings / cutoff;  // in input samples
  const int64_t table_size = static_cast<int64_t>(std::ceil(half_width * kTableSteps)) + 2;
  std::vector<double> table(static_cast<size_t>(table_size));
  const double i0_beta = bessel_i0(kKaiserBeta);
  for (int64_t i = 0; i < table_size; ++i) {
    const double t = static_cast<double>(i) / kTableSteps;
    const double r = t / half_width;
    if (r >= 1) { table[static_cast<size_t>(i)] = 0; continue; }
    const double x = M_PI * cutoff * t;
    const double sinc = t == 0 ? 1 : std::sin(x) / x;
    table[static_cast<size_t>(i)] = cutoff * sinc * bessel_i0(kKaiserBeta * std::sqrt(1 - r * r)) / i0_beta;
  }
  auto filter = [&](double t) {
    const double position = std::abs(t) * kTableSteps;
    const auto index = static_cast<int64_t>(position);
    if (index + 1 >= table_size) return 0.0;
    const double fraction = position - static_cast<double>(index);
    return table[static_cast<size_t>(index)] * (1 - fraction) + table[static_cast<size_t>(index + 1)] * fraction;
  };

  torch::Tensor output = torch::empty({out_length}, torch::kFloat);
  const float* in = input.data_ptr<float>();
  float* out = output.data_ptr<float>();
  const double step = static_cast<double>(from_rate) / to_rate;
  at::parallel_for(0, out_length, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const double t = static_cast<double>(n) * step;
      const int64_t first = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(t - half_width)));
      const int64_t last = std::min<int64_t>(in_length - 1, static_cast<int64_t>(std::floor(t + half_width)));
      double sum = 0;
      for (int64_t i = first; i <= last; ++i) sum += in[i] * filter(t - static_cast<double>(i));
      out[n] = static_cast<float>(sum);
    }
  });
  return output;
}

}  // namespace impasto
