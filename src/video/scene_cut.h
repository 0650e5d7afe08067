#pragma once
#include <opencv2/core.hpp>

namespace impasto {

// How badly the flow explains frame i from frame i − 1: the mean absolute difference (0..1, over
// pixels and channels) between frame i and frame i − 1 warped into it. Small for motion the flow
// follows; large at a cut to another shot, where nothing of the earlier painting should carry over.
double flow_residual(const cv::Mat& earlier, const cv::Mat& current, const cv::Mat& to_earlier);

// A new shot starts at frame i: it is painted as a first frame (full iterations, no temporal term).
bool is_scene_cut(double residual);

}  // namespace impasto
