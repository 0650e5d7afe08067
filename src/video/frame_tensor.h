#pragma once
#include <opencv2/core.hpp>
#include <torch/types.h>

namespace impasto {

// 8-bit BGR frames (as OpenCV decodes them) and [1,3,H,W] RGB 0..1 tensors (as the run paints them).
torch::Tensor tensor_from_frame(const cv::Mat& bgr);
cv::Mat frame_from_tensor(const torch::Tensor& image);  // rounded to 8 bits, as PNG frames keep it

}  // namespace impasto
