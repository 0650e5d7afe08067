#include "runtime/cpu_allocator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace impasto {
namespace {

class CachingCpuAllocator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* choice = std::getenv("IMPASTO_ALLOCATOR"); choice && std::string(choice) == "system")
      GTEST_SKIP() << "IMPASTO_ALLOCATOR=system";
    install_caching_cpu_allocator();
    release_cached_cpu_memory();
  }
  void TearDown() override { release_cached_cpu_memory(); }
};

TEST_F(CachingCpuAllocator, KeepsFreedBlocksFromAnEighthOfAMegabyte) {
  // SqueezeNet's squeeze gradients at 512 px (16 channels, 127x127: 1,032,256 bytes). Left to
  // malloc, each came back as fresh pages and its first touch cost 2 ms of page faults.
  torch::Tensor gradient = torch::empty({1, 16, 127, 127});
  void* block = gradient.data_ptr();
  gradient = torch::Tensor();
  EXPECT_GE(cached_cpu_bytes(), size_t{1032256});
  const torch::Tensor next = torch::empty({1, 16, 127, 127});
  EXPECT_EQ(next.data_ptr(), block);
  EXPECT_EQ(cached_cpu_bytes(), 0u);

  torch::Tensor small = torch::empty({32 * 1024});  // 128 KiB: cached
  small = torch::Tensor();
  EXPECT_GE(cached_cpu_bytes(), size_t{128 * 1024});
  release_cached_cpu_memory();
  torch::Tensor tiny = torch::empty({1024});  // 4 KiB: malloc's own business
  tiny = torch::Tensor();
  EXPECT_EQ(cached_cpu_bytes(), 0u);
}

TEST_F(CachingCpuAllocator, AFreedBlockServesASlightlySmallerRequestButNotAMuchSmallerOne) {
  torch::Tensor t = torch::empty({100000});
  void* block = t.data_ptr();
  t = torch::Tensor();
  const torch::Tensor half = torch::empty({50000});
  EXPECT_NE(half.data_ptr(), block);
  const torch::Tensor close = torch::empty({95000});
  EXPECT_EQ(close.data_ptr(), block);
}

}  // namespace
}  // namespace impasto
