#include "video/optical_flow.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"
#include "video/reliability.h"
#include "video/test_clips.h"

namespace impasto {
namespace {

// The camera moves 3 px left and 2 px up between the frames, so the scene moves (+3, +2):
// first(p) = second(p + (3, 2)).
struct ShiftedPair {
  cv::Mat first, second;
  ShiftedPair() {
    const cv::Mat scene = testing::texture();
    first = testing::view(scene, 40, 40, cv::Size(96, 80));
    second = testing::view(scene, 37, 38, cv::Size(96, 80));
  }
};

double mean_end_point_error(const cv::Mat& flow, cv::Vec2f truth, int margin) {
  double total = 0;
  int count = 0;
  for (int y = margin; y < flow.rows - margin; ++y)
    for (int x = margin; x < flow.cols - margin; ++x, ++count) total += cv::norm(flow.at<cv::Vec2f>(y, x) - truth);
  return total / count;
}

class Flow : public ::testing::TestWithParam<std::string> {};

TEST_P(Flow, FindsAKnownShiftBothWays) {
  const ShiftedPair pair;
  const FlowMethod method = parse_flow_method(GetParam());
  const cv::Mat forward = compute_flow(pair.first, pair.second, method);
  const cv::Mat backward = compute_flow(pair.second, pair.first, method);
  ASSERT_EQ(forward.type(), CV_32FC2);
  ASSERT_EQ(forward.size(), pair.first.size());
  EXPECT_LT(mean_end_point_error(forward, {3, 2}, 8), 0.25);
  EXPECT_LT(mean_end_point_error(backward, {-3, -2}, 8), 0.25);
}

INSTANTIATE_TEST_SUITE_P(Methods, Flow, ::testing::Values("dis", "deepflow", "tvl1", "rlof"),
                         [](const auto& info) { return info.param; });

TEST(FlowMethod, NamesRoundTripAndUnknownNamesAreInputErrors) {
  for (const char* name : {"dis", "deepflow", "tvl1", "rlof"}) EXPECT_EQ(flow_method_name(parse_flow_method(name)), name);
  try {
    parse_flow_method("farneback");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--flow must be dis, deepflow, tvl1 or rlof, got 'farneback'");
  }
}

TEST(Reliability, ComputedFlowOfAShiftIsReliableExceptWhereTheSceneLeavesTheFrame) {
  const ShiftedPair pair;
  const cv::Mat forward = compute_flow(pair.first, pair.second, FlowMethod::Dis);
  const cv::Mat backward = compute_flow(pair.second, pair.first, FlowMethod::Dis);
  const cv::Mat reliable = reliability(forward, backward);
  // p + (3, 2) must have its bilinear neighbours inside: x ≤ 96 − 5, y ≤ 80 − 4.
  const cv::Rect inside(0, 0, 92, 77);
  EXPECT_EQ(cv::countNonZero(reliable(cv::Rect(93, 0, 3, 80))), 0) << "the right strip moves out of the frame";
  EXPECT_EQ(cv::countNonZero(reliable(cv::Rect(0, 78, 96, 2))), 0) << "the bottom strip moves out of the frame";
  EXPECT_GT(cv::countNonZero(reliable(inside)), 0.95 * inside.area());
}

}  // namespace
}  // namespace impasto
