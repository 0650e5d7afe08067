#include "nets/max_pool.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace impasto {
namespace {

struct PoolCase {
  int64_t kernel, stride, padding;
  bool ceil_mode;
};

// Our pooling against libtorch's, values and input gradients, on channels-last and contiguous float
// input (our two kernels); several threads, odd sizes, a channel count that is not a multiple of a
// cache line. The output keeps the input's layout.
TEST(MaxPool, MatchesLibtorchValuesAndGradients) {
  torch::set_num_threads(3);
  torch::manual_seed(8);
  for (const PoolCase& p : {PoolCase{3, 2, 0, true}, PoolCase{3, 2, 0, false}, PoolCase{2, 2, 0, false},
                            PoolCase{3, 1, 1, true}, PoolCase{3, 2, 1, true}}) {
    for (const auto format : {at::MemoryFormat::ChannelsLast, at::MemoryFormat::Contiguous}) {
      const torch::Tensor data = torch::randn({2, 40, 23, 18}).contiguous(format);
      const torch::Tensor weights = torch::randn_like(torch::max_pool2d(data, p.kernel, p.stride, p.padding, 1, p.ceil_mode));
      torch::Tensor ours_in = data.clone().requires_grad_(true), theirs_in = data.clone().requires_grad_(true);
      const torch::Tensor ours = max_pool(ours_in, p.kernel, p.stride, p.padding, p.ceil_mode);
      const torch::Tensor theirs = torch::max_pool2d(theirs_in, p.kernel, p.stride, p.padding, 1, p.ceil_mode);
      ASSERT_EQ(ours.sizes(), theirs.sizes());
      EXPECT_TRUE(ours.is_contiguous(format));
      EXPECT_EQ(ours.size(2), pooled_length(23, p.kernel, p.stride, p.padding, p.ceil_mode));
      EXPECT_EQ(ours.size(3), pooled_length(18, p.kernel, p.stride, p.padding, p.ceil_mode));
      EXPECT_TRUE(torch::equal(ours, theirs)) << "kernel " << p.kernel << " stride " << p.stride;
      (ours * weights).sum().backward();
      (theirs * weights).sum().backward();
      EXPECT_TRUE(torch::allclose(ours_in.grad(), theirs_in.grad(), 1e-6, 1e-6))
          << "kernel " << p.kernel << " stride " << p.stride << " padding " << p.padding;
    }
  }
}

// Double precision (the finite-difference tests) goes to libtorch and recomputes the maxima.
TEST(MaxPool, DoubleInputMatchesLibtorch) {
  torch::manual_seed(9);
  const torch::Tensor data = torch::randn({1, 5, 9, 11}, torch::kDouble);
  torch::Tensor ours_in = data.clone().requires_grad_(true), theirs_in = data.clone().requires_grad_(true);
  max_pool(ours_in, 3, 2, 1, true).square().sum().backward();
  torch::max_pool2d(theirs_in, 3, 2, 1, 1, true).square().sum().backward();
  EXPECT_TRUE(torch::allclose(ours_in.grad(), theirs_in.grad()));
}

}  // namespace
}  // namespace impasto
