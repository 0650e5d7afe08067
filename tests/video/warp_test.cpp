#include "video/warp.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include "video/test_clips.h"

namespace impasto {
namespace {

TEST(Warp, IntegerFlowBringsTheSecondFrameIntoTheFirst) {
  const cv::Mat scene = testing::texture();
  const cv::Mat first = testing::view(scene, 40, 40, cv::Size(64, 48));
  const cv::Mat second = testing::view(scene, 37, 38, cv::Size(64, 48));  // first(p) = second(p + (3, 2))
  const cv::Mat warped = warp_image(second, cv::Mat(first.size(), CV_32FC2, cv::Scalar(3, 2)));
  const cv::Rect inside(0, 0, 61, 46);
  EXPECT_EQ(cv::norm(warped(inside), first(inside), cv::NORM_INF), 0);
}

TEST(Warp, FractionalFlowInterpolatesBilinearly) {
  cv::Mat ramp(4, 8, CV_32F);
  for (int x = 0; x < 8; ++x) ramp.col(x).setTo(10.0 * x);
  const cv::Mat warped = warp_image(ramp, cv::Mat(ramp.size(), CV_32FC2, cv::Scalar(0.25, 0)));
  EXPECT_FLOAT_EQ(warped.at<float>(2, 3), 32.5f);
  EXPECT_FLOAT_EQ(warped.at<float>(2, 7), 70.f) << "outside the frame the edge repeats";
}

TEST(Warp, TensorsWarpAsImagesDo) {
  const torch::Tensor image = torch::rand({1, 5, 12, 16});
  cv::Mat flow(12, 16, CV_32FC2);
  cv::randu(flow, -2, 2);
  const torch::Tensor warped = warp_image(image, flow);
  ASSERT_EQ(warped.sizes(), image.sizes());
  for (int c : {0, 4}) {
    const torch::Tensor plane = image[0][c].contiguous();
    const cv::Mat expected = warp_image(cv::Mat(12, 16, CV_32F, plane.data_ptr()), flow);
    const torch::Tensor got = warped[0][c].contiguous();
    EXPECT_EQ(cv::norm(cv::Mat(12, 16, CV_32F, got.data_ptr()), expected, cv::NORM_INF), 0) << "channel " << c;
  }
}

}  // namespace
}  // namespace impasto
