#include "transfer/style_statistics.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "impasto/errors.h"
#include "runtime/blas.h"
#include "transfer/losses.h"

namespace impasto {
namespace {

using Parts = std::vector<torch::Tensor>;

// sum((x - t)^2) / sum(t^2), kept as a tensor so that no device synchronisation is needed.
torch::Tensor relative_error(const torch::Tensor& x, const torch::Tensor& target) {
  return (x - target).square().sum() / (target.square().sum() + 1e-8);
}

// Positions over the mask's area: H W / sum(w^2), so a weighted Gram matrix is an average over the area.
double area_scale(const torch::Tensor& features, const torch::Tensor& weights) {
  const double positions = static_cast<double>(features.size(2) * features.size(3));
  return positions / (weights.square().sum().item<double>() + 1e-8);
}

torch::Tensor guided_gram(const torch::Tensor& features, const torch::Tensor& weights) {
  if (!weights.defined()) return gram_matrix(features);
  return gram_matrix(features * weights) * area_scale(features, weights);
}

torch::Tensor no_constant(int64_t, const torch::TensorOptions&) { return {}; }

Parts gram_summary(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor&) {
  return {guided_gram(features, weights)};
}

torch::Tensor gram_loss(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor&,
                        const Parts& target) {
  return relative_error(guided_gram(features, weights), target[0]);
}

Parts meancov_summary(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor&) {
  torch::Tensor mean;
  if (weights.defined()) {
    const torch::Tensor w2 = weights.square();
    mean = (features * w2).sum({0, 2, 3}) / (w2.sum() + 1e-8);
  } else {
    mean = features.mean({0, 2, 3});
  }
  return {mean, guided_gram(features - mean.view({1, -1, 1, 1}), weights)};
}

torch::Tensor meancov_loss(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor& constant,
                           const Parts& target) {
  const Parts x = meancov_summary(features, weights, constant);
  return (relative_error(x[0], target[0]) + relative_error(x[1], target[1])) * 0.5;
}

// Style quantile functions are stored at this many levels, whatever the style image's size, so that
// targets of different styles blend (the mean of 1-D quantile functions is their Wasserstein barycentre).
constexpr int64_t kQuantiles = 4096;

torch::Tensor random_directions(int64_t channels, const torch::TensorOptions& options) {
  auto generator = at::detail::createCPUGenerator(20170509);
  const torch::Tensor gaussian = torch::randn({channels, channels}, generator, torch::kDouble);
  return std::get<0>(torch::linalg_qr(gaussian)).t().contiguous().to(options);  // rows: orthonormal directions
}

// Sorted projections [directions, positions] of the positions whose weight is at least half the largest.
torch::Tensor sorted_projections(const torch::Tensor& features, const torch::Tensor& weights,
                                 const torch::Tensor& directions) {
  // D F, computed as (F^T D^T)^T so that the positions are the long, parallel dimension.
  torch::Tensor projected =
      parallel_mm_constant_right(features.reshape({features.size(1), -1}).t(), directions.t()).t();
  if (weights.defined()) {
    const torch::Tensor w = weights.reshape({-1});
    const double largest = w.max().item<double>();
    if (largest <= 0) return projected.narrow(1, 0, 0);
    projected = projected.index_select(1, torch::nonzero(w >= 0.5 * largest).view({-1}));
  }
  return std::get<0>(projected.sort(1));
}

torch::Tensor resample(const torch::Tensor& quantiles, int64_t levels) {
  namespace F = torch::nn::functional;
  if (quantiles.size(1) == levels) return quantiles;
  return F::interpolate(quantiles.unsqueeze(0), F::InterpolateFuncOptions()
                                                    .size(std::vector<int64_t>{levels})
                                                    .mode(torch::kLinear)
                                                    .align_corners(true))
      .squeeze(0);
}

Parts wasserstein_summary(const torch::Tensor& features, const torch::Tensor& weights, const torch::Tensor& directions) {
  const torch::Tensor sorted = sorted_projections(features, weights, directions);
  if (sorted.size(1) == 0) return {torch::zeros({directions.size(0), kQuantiles}, directions.options())};
  return {resample(sorted.size(1) == 1 ? sorted.expand({-1, 2}) : sorted, kQuantiles)};
}

torch::Tensor wasserstein_loss(const torch::Tensor& features, const torch::Tensor& weights,
                               const torch::Tensor& directions, const Parts& target) {
  const torch::Tensor sorted = sorted_projections(features, weights, directions);
  if (sorted.size(1) < 2) return sorted.sum() * 0;
  return relative_error(sorted, resample(target[0], sorted.size(1)));
}

const std::vector<StyleStatistic>& table() {
  static const std::vector<StyleStatistic> statistics = {
      {"gram", no_constant, gram_summary, gram_loss},
      {"meancov", no_constant, meancov_summary, meancov_loss},
      {"wasserstein", random_directions, wasserstein_summary, wasserstein_loss},
  };
  return statistics;
}

}  // namespace

const StyleStatistic& style_statistic(const std::string& name) {
  for (const auto& statistic : table())
    if (statistic.name == name) return statistic;
  throw InputError("unknown --style-loss '" + name + "'");
}

const std::vector<std::string>& style_statistic_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const auto& statistic : table()) list.push_back(statistic.name);
    return list;
  }();
  return names;
}

}  // namespace impasto
