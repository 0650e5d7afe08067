#pragma once
#include <torch/types.h>

#include <vector>

namespace impasto {

// An earlier frame's output warped into the current frame along the optical flow, with per-pixel
// weights (its reliability; for several earlier frames, the closest-first weights).
struct TemporalTarget {
  torch::Tensor image;    // [1,3,H,W] in 0..1
  torch::Tensor weights;  // [1,1,H,W] in 0..1
};

// The temporal loss of Ruder, Dosovitskiy & Brox (2016), in pixel space:
//   weight · Σ_j (1/D) Σ_k c_jk (x_k − ω_jk)²,  D = 3·H·W,
// over the targets j (the previous frame alone: short-term; several: long-term). Configured by
// ObjectiveConfig::temporal; left out when the weight is 0 or there is no target (a first frame).
struct TemporalConfig {
  double weight = 0;
  std::vector<TemporalTarget> targets;
};

}  // namespace impasto
