#include "video/scene_cut.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "video/test_clips.h"

namespace impasto::testing {
namespace {

TEST(SceneCut, AFollowedPanIsOneShotAndACutFromBlackIsNot) {
  if (!std::filesystem::exists(shared_image("tubingen.jpg"))) GTEST_SKIP() << "shared images not present";
  const cv::Mat photo = cv::imread(shared_image("tubingen.jpg").string());
  const cv::Size size(96, 64);
  const cv::Mat earlier = panning_frame(photo, 0, size), current = panning_frame(photo, 1, size);
  // The scene moved 2 px right: frame 1 at p is frame 0 at p − (2, 0).
  const cv::Mat to_earlier(size, CV_32FC2, cv::Scalar(-2, 0));
  const double followed = flow_residual(earlier, current, to_earlier);
  EXPECT_LT(followed, 0.02);
  EXPECT_FALSE(is_scene_cut(followed));
  // The same frames with the flow ignored: a worse fit, still one shot.
  const double unfollowed = flow_residual(earlier, current, cv::Mat(size, CV_32FC2, cv::Scalar(0, 0)));
  EXPECT_GT(unfollowed, followed);
  const double cut = flow_residual(cv::Mat(size, CV_8UC3, cv::Scalar(0, 0, 0)), current, to_earlier);
  EXPECT_NEAR(cut, cv::mean(current)[0] / 255 / 3 + cv::mean(current)[1] / 255 / 3 + cv::mean(current)[2] / 255 / 3,
              0.01);
  EXPECT_TRUE(is_scene_cut(cut));
}

}  // namespace
}  // namespace impasto::testing
