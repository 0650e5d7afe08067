#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace impasto::testing {

inline double max_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// start, start+1, ... in `shape`: every element different, so a transposed or shifted read shows.
inline torch::Tensor ramp(std::vector<int64_t> shape, float start, torch::Dtype dtype = torch::kFloat32) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return (torch::arange(n, torch::kFloat64) + start).reshape(shape).to(dtype);
}

}  // namespace impasto::testing
