#include "video/frame_tensor.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "image/image_io.h"

namespace impasto {

torch::Tensor tensor_from_frame(const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3);
  const cv::Mat dense = bgr.isContinuous() ? bgr : bgr.clone();
  return torch::from_blob(dense.data, {dense.rows, dense.cols, 3}, torch::kUInt8)
      .flip(2)
      .permute({2, 0, 1})
      .unsqueeze(0)
      .to(torch::kFloat)
      .div_(255)
      .contiguous();
}

cv::Mat frame_from_tensor(const torch::Tensor& image) {
  const torch::Tensor bytes = pixel_values(image).flip(2).contiguous();  // [H,W,3] uint8, BGR
  return cv::Mat(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr()).clone();
}

}  // namespace impasto
