#include "audio/spectrogram_picture.h"

#include <torch/torch.h>

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace impasto {

torch::Tensor spectrogram_picture(const torch::Tensor& log_magnitude, double ceiling) {
  torch::NoGradGuard no_grad;
  const torch::Tensor values = log_magnitude.detach().to(torch::kFloat).clamp_min(0);
  if (ceiling <= 0) ceiling = std::max(values.max().item<double>(), 1e-6);
  const torch::Tensor levels =
      (values.flip({0}) / ceiling).clamp(0, 1).mul(255).round().to(torch::kUInt8).contiguous();
  const cv::Mat grey(static_cast<int>(levels.size(0)), static_cast<int>(levels.size(1)), CV_8UC1,
                     levels.data_ptr<uint8_t>());
  cv::Mat coloured;
  cv::applyColorMap(grey, coloured, cv::COLORMAP_MAGMA);
  cv::cvtColor(coloured, coloured, cv::COLOR_BGR2RGB);
  const torch::Tensor rgb = torch::from_blob(coloured.data, {coloured.rows, coloured.cols, 3}, torch::kUInt8);
  return rgb.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat).div(255).contiguous();
}

}  // namespace impasto
