#pragma once
#include <torch/types.h>

#include <opencv2/core/mat.hpp>

namespace impasto {

// [1,3,H,W] float RGB as an H x W CV_32FC3 matrix (channels in RGB order, values unchanged), and back.
// For OpenCV filters that work on float images; the file I/O in image_io converts on its own terms.
cv::Mat to_float_mat(const torch::Tensor& image);
torch::Tensor from_float_mat(const cv::Mat& rgb);

}  // namespace impasto
