#pragma once
#include <opencv2/core.hpp>

#include <vector>

namespace impasto {

class FlowField;

// Flicker as the warping error of Lai et al. (ECCV 2018) between consecutive output frames O_t and
// O_{t+1}: Σ M ‖O_t − warp(O_{t+1})‖² / Σ M over pixels and RGB channels in 0..1 (their code's
// normalisation: the mean over the channels of non-occluded pixels). flow: input frame t → t+1;
// mask: its non-occluded pixels (reliability()). Images: 8-bit (read as /255) or float 0..1.
double warping_error(const cv::Mat& current, const cv::Mat& next, const cv::Mat& flow, const cv::Mat& mask);

// The mean of warping_error over the clip's consecutive frames, flow and masks from `flows` (on the
// input frames). 0 for fewer than two frames.
double clip_warping_error(const std::vector<cv::Mat>& frames, FlowField& flows);

}  // namespace impasto
