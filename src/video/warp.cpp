#include "video/warp.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

namespace impasto {

cv::Mat warp_image(const cv::Mat& image, const cv::Mat& flow) {
  CV_Assert(flow.type() == CV_32FC2 && image.size() == flow.size());
  cv::Mat map(flow.size(), CV_32FC2);
  for (int y = 0; y < flow.rows; ++y) {
    const cv::Vec2f* w = flow.ptr<cv::Vec2f>(y);
    cv::Vec2f* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < flow.cols; ++x) m[x] = cv::Vec2f(x + w[x][0], y + w[x][1]);
  }
  cv::Mat warped;
  cv::remap(image, warped, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return warped;
}

torch::Tensor warp_image(const torch::Tensor& image, const cv::Mat& flow) {
  const int64_t channels = image.size(1);
  torch::Tensor hwc = image.detach().to(torch::kCPU, torch::kFloat).squeeze(0).permute({1, 2, 0}).contiguous();
  // remap handles up to 4 channels at once; more are warped a channel at a time
  std::vector<torch::Tensor> planes;
  for (int64_t c = 0; c < channels; c += 4) {
    const int64_t n = std::min<int64_t>(4, channels - c);
    torch::Tensor part = hwc.narrow(2, c, n).contiguous();
    cv::Mat source(static_cast<int>(part.size(0)), static_cast<int>(part.size(1)), CV_32FC(static_cast<int>(n)),
                   part.data_ptr());
    cv::Mat warped = warp_image(source, flow);
    planes.push_back(torch::from_blob(warped.data, {warped.rows, warped.cols, n}, torch::kFloat).clone());
  }
  return torch::cat(planes, 2).permute({2, 0, 1}).unsqueeze(0).contiguous().to(image.device());
}

}  // namespace impasto
