#include "video/reliability.h"

#include <gtest/gtest.h>

namespace impasto {
namespace {

cv::Mat constant_flow(cv::Size size, float u, float v) { return cv::Mat(size, CV_32FC2, cv::Scalar(u, v)); }

TEST(Reliability, ConsistentUniformMotionIsReliableUpToTheStripThatLeavesTheFrame) {
  // As in the paper's checker, both bilinear neighbours must be inside: the last row never is.
  const cv::Size size(20, 10);
  const cv::Mat reliable = reliability(constant_flow(size, 3, 0), constant_flow(size, -3, 0));
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      EXPECT_EQ(reliable.at<float>(y, x), x + 3 + 1 < size.width && y + 1 < size.height ? 1.f : 0.f) << x << "," << y;
}

TEST(Reliability, AFailedForwardBackwardCheckIsUnreliable) {
  const cv::Size size(20, 10);
  // Back flow (−2.5, 0) instead of (−3, 0): |w + ŵ|² = 0.25 < 0.01·(9 + 6.25) + 0.5 passes,
  // (−2, 0): 1 ≥ 0.63 fails.
  EXPECT_EQ(reliability(constant_flow(size, 3, 0), constant_flow(size, -2.5f, 0)).at<float>(5, 5), 1.f);
  EXPECT_EQ(reliability(constant_flow(size, 3, 0), constant_flow(size, -2, 0)).at<float>(5, 5), 0.f);
}

TEST(Reliability, MotionBoundariesAreUnreliable) {
  // Left half still, right half moving 1 px down; the backward flow agrees everywhere.
  const cv::Size size(20, 20);
  cv::Mat forward = constant_flow(size, 0, 0), backward = constant_flow(size, 0, 0);
  forward.colRange(10, 20).setTo(cv::Scalar(0, 1));
  backward.colRange(10, 20).setTo(cv::Scalar(0, -1));
  const cv::Mat reliable = reliability(forward, backward);
  // Central differences see the step at columns 9 and 10: |∇v|² = 0.25 > 0.01|w|² + 0.002.
  for (int y = 2; y < 16; ++y) {
    EXPECT_EQ(reliable.at<float>(y, 8), 1.f);
    EXPECT_EQ(reliable.at<float>(y, 9), 0.f);
    EXPECT_EQ(reliable.at<float>(y, 10), 0.f);
    EXPECT_EQ(reliable.at<float>(y, 11), 1.f);
  }
}

TEST(ClosestFirstWeights, EachFrameKeepsOnlyWhatCloserFramesMiss) {
  const cv::Mat c1 = (cv::Mat_<float>(1, 4) << 1, 0, 0, 1);
  const cv::Mat c2 = (cv::Mat_<float>(1, 4) << 1, 1, 0, 0);
  const cv::Mat c4 = (cv::Mat_<float>(1, 4) << 1, 1, 1, 0);
  const auto weights = closest_first_weights({c1, c2, c4});
  ASSERT_EQ(weights.size(), 3u);
  EXPECT_EQ(cv::norm(weights[0], c1, cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(weights[1], cv::Mat((cv::Mat_<float>(1, 4) << 0, 1, 0, 0)), cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(weights[2], cv::Mat((cv::Mat_<float>(1, 4) << 0, 0, 1, 0)), cv::NORM_INF), 0);
  EXPECT_TRUE(closest_first_weights({}).empty());
}

}  // namespace
}  // namespace impasto
