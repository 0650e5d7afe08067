#pragma once
#include <opencv2/core.hpp>
#include <torch/types.h>

namespace impasto {

// Samples `image` at p + flow(p) (bilinear, edges repeated): with the flow from frame A to frame B,
// warps B into A's frame. image: any float or 8-bit Mat of the flow's size.
cv::Mat warp_image(const cv::Mat& image, const cv::Mat& flow);
// The same for a [1,C,H,W] float tensor (returned on the image's device, detached).
torch::Tensor warp_image(const torch::Tensor& image, const cv::Mat& flow);

}  // namespace impasto
