#include "transfer/losses.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace impasto {
namespace {

TEST(GramMatrix, AveragesChannelProductsOverPositions) {
  torch::Tensor f = torch::arange(12, torch::kDouble).view({1, 2, 2, 3});
  torch::Tensor flat = f.view({2, 6});
  torch::Tensor expected = torch::mm(flat, flat.t()) / 6.0;
  EXPECT_TRUE(torch::allclose(gram_matrix(f), expected));
  EXPECT_TRUE(torch::allclose(gram_matrix(f.contiguous(at::MemoryFormat::ChannelsLast)), expected));
  EXPECT_DOUBLE_EQ(gram_matrix(f)[0][1].item<double>(), (0 * 6 + 1 * 7 + 2 * 8 + 3 * 9 + 4 * 10 + 5 * 11) / 6.0);
}

TEST(GramMatrix, SinglePrecisionFastPathMatchesAGeneralProduct) {
  torch::manual_seed(2);
  torch::Tensor f = torch::randn({1, 37, 11, 13});
  torch::Tensor flat = f.view({37, 143}).to(torch::kDouble);
  torch::Tensor expected = (torch::mm(flat, flat.t()) / 143.0).to(torch::kFloat);
  for (auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
    torch::Tensor gram = gram_matrix(f.contiguous(format));
    EXPECT_TRUE(torch::allclose(gram, expected, 1e-5, 1e-5));
    EXPECT_TRUE(torch::equal(gram, gram.t())) << "both triangles filled";
  }
}

TEST(GramMatrix, BackwardMatchesPlainAutogradInBothLayouts) {
  torch::manual_seed(1);
  for (auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
    torch::Tensor f = torch::randn({1, 5, 4, 3}, torch::kDouble).contiguous(format).requires_grad_(true);
    torch::Tensor weights = torch::randn({5, 5}, torch::kDouble);
    (gram_matrix(f) * weights).sum().backward();
    torch::Tensor ours = f.grad().clone();
    f.mutable_grad().reset();
    torch::Tensor flat = f.reshape({5, 12});
    ((torch::mm(flat, flat.t()) / 12.0) * weights).sum().backward();
    EXPECT_TRUE(torch::allclose(ours, f.grad(), 1e-10, 1e-12));
    EXPECT_TRUE(ours.is_contiguous(format));
  }
}

TEST(RelativeSquaredError, IsDimensionless) {
  torch::Tensor target = torch::full({4}, 2.0, torch::kDouble);
  torch::Tensor x = torch::full({4}, 3.0, torch::kDouble);
  const double norm = target.square().sum().item<double>();
  EXPECT_DOUBLE_EQ(relative_squared_error(x, target, norm).item<double>(), 4.0 / 16.0);
  EXPECT_DOUBLE_EQ(relative_squared_error(x * 10, target * 10, norm * 100).item<double>(), 4.0 / 16.0);
}

TEST(TotalVariation, MeasuresNeighbourDifferences) {
  torch::Tensor flat = torch::full({1, 3, 4, 4}, 0.5, torch::kDouble);
  EXPECT_DOUBLE_EQ(total_variation(flat).item<double>(), 0.0);
  // Vertical stripes 0,1,0,1: every horizontal step differs by 1, no vertical step does.
  torch::Tensor stripes = torch::arange(4, torch::kDouble).remainder(2).view({1, 1, 1, 4}).expand({1, 3, 4, 4});
  EXPECT_DOUBLE_EQ(total_variation(stripes).item<double>(), 1.0);
}

TEST(NormalizeGradient, ScalesTheBranchGradientToItsWeight) {
  torch::Tensor x = torch::tensor({1.0, -2.0, 3.0}, torch::kDouble).requires_grad_(true);
  (normalize_gradient(x, 0.5) * torch::tensor({2.0, 4.0, -2.0}, torch::kDouble)).sum().backward();
  // g = (2, 4, -2), |g|_1 = 8: 0.5 * g / 8
  EXPECT_TRUE(torch::allclose(x.grad(), torch::tensor({0.125, 0.25, -0.125}, torch::kDouble)));
}

}  // namespace
}  // namespace impasto
