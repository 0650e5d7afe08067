#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

namespace impasto {

// A style statistic (--style-loss) summarises a layer's features into a target and measures how far
// other features are from it. Targets are lists of tensors that blend linearly (a blend of styles is
// the weighted mean of their targets), and every loss is a relative squared error, so one
// --style-weight serves all statistics.
//
// `weights` are per-position guidance weights [1,1,H,W] in 0..1 (a mask at the layer's resolution;
// undefined: every position counts equally); each position's features are multiplied by its
// weight, and the result is normalised by the mask's area (Gatys et al. 2017, guided Gram matrices).
struct StyleStatistic {
  std::string name;
  // Per-layer data that summaries and losses share (the Wasserstein projections); may be undefined.
  torch::Tensor (*layer_constant)(int64_t channels, const torch::TensorOptions& options);
  std::vector<torch::Tensor> (*summarise)(const torch::Tensor& features, const torch::Tensor& weights,
                                          const torch::Tensor& constant);
  torch::Tensor (*loss)(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor& constant,
                        const std::vector<torch::Tensor>& target);
};

// gram: Gram matrices F Fᵀ / area (Gatys et al. 2016).
// meancov: mean and covariance of the features, each a relative error, averaged.
// wasserstein: sliced Wasserstein distance: the sorted projections of the features on C fixed random
//              orthonormal directions against the style's quantiles (whole distributions, not only
//              second moments; Heitz et al. 2021).
const StyleStatistic& style_statistic(const std::string& name);  // throws InputError for unknown names
const std::vector<std::string>& style_statistic_names();

}  // namespace impasto
