#pragma once
#include <opencv2/core.hpp>

#include <vector>

namespace impasto {

// Where the flow from frame A to frame B can be trusted, in A's pixels (CV_32F, 1 or 0), exactly as
// the consistency checker of Ruder, Dosovitskiy & Brox (2016). With w = forward(p) and ŵ = backward
// sampled at p + w (bilinear), p is unreliable when
//   - the forward-backward check fails: |w + ŵ|² ≥ 0.01 (|w|² + |ŵ|²) + 0.5 (disocclusion),
//   - it lies on a motion boundary: |∇u|² + |∇v|² > 0.01 |w|² + 0.002 (central differences),
//   - p + w falls outside B (the four bilinear neighbours must lie inside).
// forward: A→B flow; backward: B→A flow (CV_32FC2, same size).
cv::Mat reliability(const cv::Mat& forward, const cv::Mat& backward);

// The long-term weights of Ruder et al. ("closest first"): given the reliabilities of frames i-j
// toward frame i for j in increasing order, each frame keeps only what closer frames do not cover:
//   weight_j = max(0, c_j − Σ_{k<j} c_k).
std::vector<cv::Mat> closest_first_weights(const std::vector<cv::Mat>& reliabilities);

}  // namespace impasto
