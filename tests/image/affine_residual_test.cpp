#include "image/affine_residual.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace impasto {
namespace {

TEST(AffineResidual, IsZeroForALocallyAffineOutput) {
  torch::manual_seed(1);
  const torch::Tensor content = torch::rand({1, 3, 20, 24});
  const torch::Tensor a = torch::tensor({0.5, -0.2, 0.3, 0.1, 0.9, -0.4, 0.2, 0.2, 0.2}).view({3, 3});
  const torch::Tensor affine = (torch::mm(a, content.reshape({3, -1})) + 0.1).view(content.sizes());
  EXPECT_LT(local_affine_residual(affine, content), 1e-6);
  // A different affine map on each half is still affine in every window but those across the seam.
  torch::Tensor halves = affine.clone();
  halves.narrow(3, 12, 12).copy_(1 - content.narrow(3, 12, 12));
  EXPECT_GT(local_affine_residual(halves, content), 1e-4);
}

// Independent noise n of variance s^2 cannot be explained by the 4 parameters per channel of each
// window's fit: the expected residual per window pixel is (9 - 4) / 9 s^2 per channel.
TEST(AffineResidual, MeasuresUnexplainedNoiseAtItsExpectedLevel) {
  torch::manual_seed(2);
  const torch::Tensor content = torch::rand({1, 3, 80, 90}, torch::kDouble);
  const double sigma = 0.05;
  const torch::Tensor output = content + sigma * torch::randn({1, 3, 80, 90}, torch::kDouble);
  const double expected = 3 * 5.0 / 9.0 * sigma * sigma;
  EXPECT_NEAR(local_affine_residual(output, content), expected, 0.03 * expected);
}

TEST(AffineResidual, RefusesImagesOfDifferentSizes) {
  EXPECT_THROW(local_affine_residual(torch::rand({1, 3, 5, 5}), torch::rand({1, 3, 5, 6})), std::invalid_argument);
}

}  // namespace
}  // namespace impasto
