#include "video/temporal_targets.h"

#include <torch/torch.h>

#include <algorithm>

#include "video/reliability.h"
#include "video/warp.h"

namespace impasto {
namespace {

torch::Tensor tensor_from_mask(const cv::Mat& mask) {
  const cv::Mat dense = mask.clone();
  return torch::from_blob(dense.data, {1, 1, dense.rows, dense.cols}, torch::kFloat).clone();
}

}  // namespace

std::vector<TemporalTarget> temporal_targets(const std::vector<EarlierFrame>& earlier) {
  std::vector<const EarlierFrame*> ordered;
  for (const auto& e : earlier) ordered.push_back(&e);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->distance < b->distance; });
  std::vector<cv::Mat> reliable;
  for (const auto* e : ordered) reliable.push_back(reliability(e->to_earlier, e->from_earlier));
  const std::vector<cv::Mat> weights = closest_first_weights(reliable);
  std::vector<TemporalTarget> targets;
  for (size_t k = 0; k < ordered.size(); ++k) {
    const torch::Device device = ordered[k]->output.device();
    targets.push_back({warp_image(ordered[k]->output, ordered[k]->to_earlier), tensor_from_mask(weights[k]).to(device)});
  }
  return targets;
}

torch::Tensor warped_start(const EarlierFrame& previous, const torch::Tensor& content) {
  const torch::Tensor warped = warp_image(previous.output, previous.to_earlier);
  const torch::Tensor reliable =
      tensor_from_mask(reliability(previous.to_earlier, previous.from_earlier)).to(content.device());
  return warped.to(content.device()) * reliable + content * (1 - reliable);
}

}  // namespace impasto
