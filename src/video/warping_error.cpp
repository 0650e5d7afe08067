#include "video/warping_error.h"

#include "video/flow_field.h"
#include "video/reliability.h"
#include "video/warp.h"

namespace impasto {
namespace {

cv::Mat as_float(const cv::Mat& image) {
  cv::Mat converted;
  image.convertTo(converted, CV_32F, image.depth() == CV_8U ? 1.0 / 255 : 1.0);
  return converted;
}

}  // namespace

double warping_error(const cv::Mat& current, const cv::Mat& next, const cv::Mat& flow, const cv::Mat& mask) {
  const cv::Mat difference = as_float(current) - warp_image(as_float(next), flow);
  const double pixels = cv::sum(mask)[0];
  if (pixels == 0) return 0;
  const cv::Mat squared = cv::Mat(difference.mul(difference)).reshape(1, static_cast<int>(difference.total()));
  cv::Mat per_pixel;
  cv::reduce(squared, per_pixel, 1, cv::REDUCE_SUM);
  return per_pixel.dot(mask.reshape(1, static_cast<int>(mask.total()))) / (pixels * current.channels());
}

double clip_warping_error(const std::vector<cv::Mat>& frames, FlowField& flows) {
  if (frames.size() < 2) return 0;
  double total = 0;
  for (size_t t = 0; t + 1 < frames.size(); ++t) {
    const int a = static_cast<int>(t), b = a + 1;
    const cv::Mat forward = flows.flow(a, b);
    total += warping_error(frames[t], frames[t + 1], forward, reliability(forward, flows.flow(b, a)));
  }
  return total / static_cast<double>(frames.size() - 1);
}

}  // namespace impasto
