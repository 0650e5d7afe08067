#pragma once
#include <torch/types.h>

namespace impasto {

// Band-limited resampling of samples [L] from one rate to another: a Kaiser-windowed sinc (32 zero
// crossings each side, cutoff just below the lower Nyquist frequency), so that downsampling does not
// alias. Returns round(L * to / from) samples; the same tensor when the rates are equal.
torch::Tensor resample(const torch::Tensor& samples, int from_rate, int to_rate);

}  // namespace impasto
