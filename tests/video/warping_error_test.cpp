#include "video/warping_error.h"

#include <gtest/gtest.h>

#include "video/flow_field.h"
#include "video/test_clips.h"

namespace impasto {
namespace {

TEST(WarpingError, IsTheMaskedMeanSquaredDifferenceAfterWarping) {
  const cv::Size size(16, 8);
  const cv::Mat zero(size, CV_32FC2, cv::Scalar(0, 0));
  const cv::Mat all(size, CV_32F, cv::Scalar(1));
  const cv::Mat dark(size, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5)), lighter(size, CV_32FC3, cv::Scalar(0.6, 0.5, 0.5));
  EXPECT_NEAR(warping_error(dark, lighter, zero, all), 0.01 / 3, 1e-7);  // one channel of three differs by 0.1
  EXPECT_EQ(warping_error(dark, dark, zero, all), 0);
  // Masked pixels do not count: a difference only where M = 0.
  cv::Mat spotted = dark.clone(), mask = all.clone();
  spotted(cv::Rect(0, 0, 4, 8)).setTo(cv::Scalar(1, 1, 1));
  mask(cv::Rect(0, 0, 4, 8)).setTo(0);
  EXPECT_EQ(warping_error(dark, spotted, zero, mask), 0);
  // 8-bit images are read as 0..1.
  cv::Mat a(size, CV_8UC3, cv::Scalar(100, 100, 100)), b(size, CV_8UC3, cv::Scalar(100, 100, 151));
  EXPECT_NEAR(warping_error(a, b, zero, all), 0.04 / 3, 1e-6);
}

TEST(WarpingError, APanningClipFollowedByItsFlowHasAlmostNone) {
  const cv::Mat scene = testing::texture();
  const std::vector<cv::Mat> frames = {testing::view(scene, 40, 40, cv::Size(64, 48)),
                                       testing::view(scene, 38, 40, cv::Size(64, 48)),
                                       testing::view(scene, 36, 39, cv::Size(64, 48))};
  FlowField flows(frames, FlowMethod::Dis, "", {{0, 1}, {1, 2}});
  // Halved so that a flicker of +40 on every other frame never saturates.
  std::vector<cv::Mat> steady, flickering;
  for (const cv::Mat& frame : frames) {
    steady.push_back(frame * 0.5);
    flickering.push_back(steady.back() + cv::Scalar::all(flickering.size() % 2 ? 40 : 0));
  }
  const double still = clip_warping_error(steady, flows), flicker = clip_warping_error(flickering, flows);
  EXPECT_LT(still, 2e-4);
  EXPECT_NEAR(flicker, (40.0 / 255) * (40.0 / 255), 3e-3);
}

}  // namespace
}  // namespace impasto
