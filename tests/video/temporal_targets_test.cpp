#include "video/temporal_targets.h"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace impasto {
namespace {

cv::Mat constant_flow(int height, int width, float u) { return cv::Mat(height, width, CV_32FC2, cv::Scalar(u, 0)); }

// The scene moved 2 px right from frame i − 1 to frame i: frame i(p) = frame i−1(p − (2, 0)).
EarlierFrame previous(const torch::Tensor& output) {
  return EarlierFrame{1, output, constant_flow(6, 10, -2), constant_flow(6, 10, 2)};
}

TEST(WarpedStart, FollowsTheFlowAndTakesTheContentWhereTheSceneCameIn) {
  const torch::Tensor ramp = torch::arange(10, torch::kFloat).div(10).view({1, 1, 1, 10}).expand({1, 3, 6, 10}).contiguous();
  const torch::Tensor content = torch::full({1, 3, 6, 10}, 0.95f);
  const torch::Tensor start = warped_start(previous(ramp), content);
  // Columns 0 and 1 came in from outside the frame (x − 2 < 0).
  for (int x = 0; x < 10; ++x) {
    const float expected = x >= 2 ? (x - 2) / 10.f : 0.95f;
    EXPECT_NEAR(start[0][1][3][x].item<float>(), expected, 1e-6) << x;
  }
}

TEST(WarpedStart, KeepsThePaintedResultWhereTheFlowIsUnreliableInsideTheFrame) {
  const torch::Tensor ramp = torch::arange(10, torch::kFloat).div(10).view({1, 1, 1, 10}).expand({1, 3, 6, 10}).contiguous();
  const torch::Tensor content = torch::full({1, 3, 6, 10}, 0.95f);
  // The backward flow contradicts the forward one: every pixel fails the consistency check.
  const EarlierFrame inconsistent{1, ramp, constant_flow(6, 10, -2), constant_flow(6, 10, 0)};
  const torch::Tensor start = warped_start(inconsistent, content);
  for (int x = 2; x < 10; ++x) EXPECT_NEAR(start[0][1][3][x].item<float>(), (x - 2) / 10.f, 1e-6) << x;
}

TEST(BlendedStart, AveragesTheOwnResultWithTheWarpedNeighbourWhereTheFlowIsReliable) {
  const torch::Tensor ramp = torch::arange(10, torch::kFloat).div(10).view({1, 1, 1, 10}).expand({1, 3, 6, 10}).contiguous();
  const torch::Tensor own = torch::full({1, 3, 6, 10}, 0.9f);
  const torch::Tensor start = blended_start(own, previous(ramp));
  // Columns 0 and 1 came in from outside the frame: unreliable, so the own result alone.
  for (int x = 0; x < 10; ++x) {
    const float expected = x >= 2 ? (0.9f + (x - 2) / 10.f) / 2 : 0.9f;
    EXPECT_NEAR(start[0][1][3][x].item<float>(), expected, 1e-6) << x;
  }
  const EarlierFrame inconsistent{1, ramp, constant_flow(6, 10, -2), constant_flow(6, 10, 0)};
  EXPECT_TRUE(torch::allclose(blended_start(own, inconsistent), own));
}

TEST(TemporalTargets, WarpEachEarlierOutputAndWeightThemClosestFirst) {
  const torch::Tensor one = torch::rand({1, 3, 6, 10}), two = torch::rand({1, 3, 6, 10});
  std::vector<EarlierFrame> earlier = {
      {2, two, constant_flow(6, 10, -4), constant_flow(6, 10, 4)},
      {1, one, constant_flow(6, 10, -2), constant_flow(6, 10, 2)},
  };
  const auto targets = temporal_targets(earlier);
  ASSERT_EQ(targets.size(), 2u);
  // Sorted by distance: the previous frame first; it covers x ≥ 2, the frame before covers none of
  // that and nothing else either (x − 4 is outside wherever x − 2 is). The last row is never
  // reliable (its lower bilinear neighbour is outside).
  EXPECT_TRUE(torch::allclose(targets[0].image.narrow(3, 2, 8), one.narrow(3, 0, 8)));
  EXPECT_EQ(targets[0].weights.sum().item<float>(), 5 * 8);
  EXPECT_EQ(targets[1].weights.sum().item<float>(), 0);
  EXPECT_TRUE(torch::allclose(targets[1].image.narrow(3, 4, 6), two.narrow(3, 0, 6)));
}

}  // namespace
}  // namespace impasto
