#include "runtime/blas.h"
#include "runtime/blas_threading.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace impasto {
namespace {

// The products split their work across threads only when there are several.
class ParallelBlas : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(3); }
};

TEST_F(ParallelBlas, ProductMatchesTorchInEveryLayout) {
  torch::manual_seed(3);
  const torch::Tensor a = torch::randn({1037, 45}), b = torch::randn({45, 70});
  const torch::Tensor expected = torch::mm(a.to(torch::kDouble), b.to(torch::kDouble));
  for (const torch::Tensor& left : {a, a.t().contiguous().t()})
    for (const torch::Tensor& right : {b, b.t().contiguous().t()})
      EXPECT_TRUE(torch::allclose(parallel_mm(left, right).to(torch::kDouble), expected, 1e-4, 1e-4));
}

TEST_F(ParallelBlas, GramMatchesTorchInBothLayoutsAndIsSymmetric) {
  torch::manual_seed(4);
  const torch::Tensor f = torch::randn({33, 5000});  // [C,P]
  const torch::Tensor expected = torch::mm(f.to(torch::kDouble), f.t().to(torch::kDouble)) / 5000;
  for (const torch::Tensor& layout : {f, f.t().contiguous().t()}) {
    const torch::Tensor gram = parallel_gram(layout, 1.0 / 5000);
    EXPECT_TRUE(torch::allclose(gram.to(torch::kDouble), expected, 1e-5, 1e-5));
    EXPECT_TRUE(torch::equal(gram, gram.t()));
  }
}

TEST_F(ParallelBlas, ConstantRightProductHasTheGradientOfAutograd) {
  torch::manual_seed(5);
  const torch::Tensor b = torch::randn({16, 16});
  const torch::Tensor weights = torch::randn({700, 16});
  torch::Tensor a = torch::randn({700, 16}).requires_grad_(true);
  (parallel_mm_constant_right(a, b) * weights).sum().backward();
  const torch::Tensor ours = a.grad().clone();
  a.mutable_grad().reset();
  (torch::mm(a, b) * weights).sum().backward();
  EXPECT_TRUE(torch::allclose(ours, a.grad(), 1e-5, 1e-5));
}

// On OpenBLAS's threads (one call) the products give what the split ones give.
TEST_F(ParallelBlas, BlasThreadingGivesTheSameProducts) {
  torch::manual_seed(6);
  const torch::Tensor a = torch::randn({900, 64}), b = torch::randn({64, 50}), f = torch::randn({40, 3000});
  const torch::Tensor split_mm = parallel_mm(a, b), split_gram = parallel_gram(f, 0.25);
  set_blas_threading(BlasThreading::Blas, 3);
  EXPECT_EQ(blas_threading(), BlasThreading::Blas);
  const torch::Tensor one_mm = parallel_mm(a, b), one_gram = parallel_gram(f, 0.25);
  set_blas_threading(BlasThreading::Split, 3);
  EXPECT_EQ(blas_threading(), BlasThreading::Split);
  EXPECT_TRUE(torch::allclose(one_mm, split_mm, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(one_gram, split_gram, 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(one_gram, one_gram.t()));
}

TEST_F(ParallelBlas, OtherTypesFallBackToTorch) {
  const torch::Tensor a = torch::randn({20, 7}, torch::kDouble), b = torch::randn({7, 3}, torch::kDouble);
  EXPECT_TRUE(torch::allclose(parallel_mm(a, b), torch::mm(a, b)));
  EXPECT_TRUE(torch::allclose(parallel_gram(a.t(), 0.5), torch::mm(a.t(), a) * 0.5));
}

}  // namespace
}  // namespace impasto
