#include "video/reliability.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace impasto {
namespace {

// |∇u|² + |∇v|² with the central difference (f(x+1) − f(x−1)) / 2, borders mirrored.
cv::Mat motion_edges(const cv::Mat& flow) {
  const cv::Mat dx_kernel = (cv::Mat_<float>(1, 3) << -0.5f, 0.f, 0.5f);
  const cv::Mat dy_kernel = dx_kernel.t();
  cv::Mat dx, dy;
  cv::filter2D(flow, dx, CV_32F, dx_kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
  cv::filter2D(flow, dy, CV_32F, dy_kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
  cv::Mat edges(flow.size(), CV_32F);
  for (int y = 0; y < flow.rows; ++y)
    for (int x = 0; x < flow.cols; ++x) {
      const cv::Vec2f a = dx.at<cv::Vec2f>(y, x), b = dy.at<cv::Vec2f>(y, x);
      edges.at<float>(y, x) = a.dot(a) + b.dot(b);
    }
  return edges;
}

}  // namespace

cv::Mat reliability(const cv::Mat& forward, const cv::Mat& backward) {
  CV_Assert(forward.type() == CV_32FC2 && backward.type() == CV_32FC2 && forward.size() == backward.size());
  const int width = forward.cols, height = forward.rows;
  const cv::Mat edges = motion_edges(forward);
  cv::Mat reliable(forward.size(), CV_32F, cv::Scalar(0));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const cv::Vec2f w = forward.at<cv::Vec2f>(y, x);
      const float bx = x + w[0], by = y + w[1];
      const int x1 = static_cast<int>(std::floor(bx)), y1 = static_cast<int>(std::floor(by));
      if (x1 < 0 || x1 + 1 >= width || y1 < 0 || y1 + 1 >= height) continue;
      const float ax = bx - x1, ay = by - y1;
      const cv::Vec2f top = (1 - ax) * backward.at<cv::Vec2f>(y1, x1) + ax * backward.at<cv::Vec2f>(y1, x1 + 1);
      const cv::Vec2f bottom =
          (1 - ax) * backward.at<cv::Vec2f>(y1 + 1, x1) + ax * backward.at<cv::Vec2f>(y1 + 1, x1 + 1);
      const cv::Vec2f back = (1 - ay) * top + ay * bottom;
      const cv::Vec2f round_trip = w + back;
      if (round_trip.dot(round_trip) >= 0.01f * (w.dot(w) + back.dot(back)) + 0.5f) continue;
      if (edges.at<float>(y, x) > 0.01f * w.dot(w) + 0.002f) continue;
      reliable.at<float>(y, x) = 1;
    }
  return reliable;
}

std::vector<cv::Mat> closest_first_weights(const std::vector<cv::Mat>& reliabilities) {
  std::vector<cv::Mat> weights;
  if (reliabilities.empty()) return weights;
  cv::Mat covered = cv::Mat::zeros(reliabilities[0].size(), CV_32F);
  for (const cv::Mat& c : reliabilities) {
    cv::Mat weight = cv::max(c - covered, 0.0);
    weights.push_back(weight);
    covered += c;
  }
  return weights;
}

}  // namespace impasto
