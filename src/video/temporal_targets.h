#pragma once
#include <opencv2/core.hpp>
#include <torch/types.h>

#include <functional>
#include <vector>

#include "run/run_plan.h"

#include "transfer/temporal_term.h"

namespace impasto {

struct ObjectiveConfig;

// An earlier output and the flow between it and the frame being painted.
struct EarlierFrame {
  int distance = 1;         // j: frame i − j
  torch::Tensor output;     // [1,3,H,W] in 0..1
  cv::Mat to_earlier;       // flow frame i → frame i − j
  cv::Mat from_earlier;     // flow frame i − j → frame i
};

// The temporal loss's targets for frame i: each earlier output warped into frame i, weighted by
// closest-first weights of their reliabilities (by increasing distance).
std::vector<TemporalTarget> temporal_targets(const std::vector<EarlierFrame>& earlier);

// Where frame i starts (Ruder et al.): the previous output warped into it, occlusions included (the
// temporal term leaves those free to be repainted); the content frame where the scene moved in from
// outside the frame, where the warp has nothing.
torch::Tensor warped_start(const EarlierFrame& previous, const torch::Tensor& content);

// Where a frame starts in a later pass of the multi-pass algorithm (Ruder et al., §4.2): its own
// result of the pass before, blended with the neighbour painted just before it in this pass, warped
// into it, where that warp is reliable: (own + c·ω(neighbour)) / (1 + c).
torch::Tensor blended_start(const torch::Tensor& own, const EarlierFrame& neighbour);

// The ImageJob::configure that adds the temporal term, its targets resized to each scale.
std::function<void(ObjectiveConfig&, const RunPlan::Scale&)> add_temporal_term(TemporalConfig temporal);

}  // namespace impasto
