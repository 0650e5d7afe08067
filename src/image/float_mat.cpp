#include "image/float_mat.h"

#include <torch/torch.h>

namespace impasto {

cv::Mat to_float_mat(const torch::Tensor& image) {
  const torch::Tensor hwc = image.detach().squeeze(0).to(torch::kCPU, torch::kFloat).permute({1, 2, 0}).contiguous();
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC3, hwc.data_ptr()).clone();
}

torch::Tensor from_float_mat(const cv::Mat& rgb) {
  cv::Mat f;
  rgb.convertTo(f, CV_32FC3);
  return torch::from_blob(f.data, {f.rows, f.cols, 3}, torch::kFloat).permute({2, 0, 1}).unsqueeze(0).clone(at::MemoryFormat::Contiguous);
}

}  // namespace impasto
