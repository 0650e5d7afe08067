#include "video/temporal_targets.h"

#include <torch/torch.h>

#include <algorithm>

#include "transfer/objective.h"
#include "video/reliability.h"
#include "video/warp.h"

namespace impasto {
namespace {

torch::Tensor tensor_from_mask(const cv::Mat& mask) {
  const cv::Mat dense = mask.clone();
  return torch::from_blob(dense.data, {1, 1, dense.rows, dense.cols}, torch::kFloat).clone();
}

// 1 where the flow lands inside the other frame, 0 where the scene came in from outside it.
cv::Mat lands_inside(const cv::Mat& flow) {
  cv::Mat inside(flow.size(), CV_32F);
  for (int y = 0; y < flow.rows; ++y)
    for (int x = 0; x < flow.cols; ++x) {
      const cv::Vec2f w = flow.at<cv::Vec2f>(y, x);
      const float bx = x + w[0], by = y + w[1];
      inside.at<float>(y, x) = bx >= 0 && by >= 0 && bx <= flow.cols - 1 && by <= flow.rows - 1 ? 1.f : 0.f;
    }
  return inside;
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
  // Occluded pixels and motion boundaries keep the warped (painted) result as the paper starts them:
  // the temporal term does not hold them, so the optimiser repaints them; filling them with the
  // photo left unpainted patches after a few iterations (DIS flow's patch edges count as motion
  // boundaries). Only where the scene came in from outside the frame has the warp nothing to give.
  const torch::Tensor inside = tensor_from_mask(lands_inside(previous.to_earlier)).to(content.device());
  return warped.to(content.device()) * inside + content * (1 - inside);
}

torch::Tensor blended_start(const torch::Tensor& own, const EarlierFrame& neighbour) {
  const torch::Tensor warped = warp_image(neighbour.output, neighbour.to_earlier).to(own.device());
  const torch::Tensor c = tensor_from_mask(reliability(neighbour.to_earlier, neighbour.from_earlier)).to(own.device());
  return (own + c * warped) / (1 + c);
}

std::function<void(ObjectiveConfig&, const RunPlan::Scale&)> add_temporal_term(TemporalConfig temporal) {
  return [temporal](ObjectiveConfig& config, const RunPlan::Scale& scale) {
    config.temporal = temporal;
    for (auto& target : config.temporal.targets) {
      if (target.image.size(2) == scale.height && target.image.size(3) == scale.width) continue;
      const std::vector<int64_t> size{scale.height, scale.width};
      namespace F = torch::nn::functional;
      target.image = F::interpolate(target.image, F::InterpolateFuncOptions().size(size).mode(torch::kArea));
      target.weights = F::interpolate(target.weights, F::InterpolateFuncOptions().size(size).mode(torch::kArea));
    }
  };
}

}  // namespace impasto
