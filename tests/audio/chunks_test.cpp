#include "audio/chunks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace impasto::testing {
namespace {

TEST(Chunks, OneChunkWhenItFits) {
  const auto chunks = plan_chunks(100, 100, 10);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].start, 0);
  EXPECT_EQ(chunks[0].length, 100);
}

TEST(Chunks, CoverTheWholeOverlappingByTheOverlap) {
  for (int64_t total : {101, 250, 1000, 1291}) {
    const auto chunks = plan_chunks(total, 100, 20);
    ASSERT_GE(chunks.size(), 2u);
    EXPECT_EQ(chunks.front().start, 0);
    EXPECT_EQ(chunks.back().start + chunks.back().length, total);
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_LE(chunks[i].length, 100);
      EXPECT_GT(chunks[i].length, 20);
      if (i > 0) EXPECT_EQ(chunks[i - 1].start + chunks[i - 1].length - chunks[i].start, 20) << total;
    }
  }
  EXPECT_EQ(plan_chunks(1000, 100, 20).size(), 13u);  // ceil((1000 - 20) / 80)
}

TEST(Chunks, CrossfadeRisesFromThePreviousChunkToTheNext) {
  torch::Tensor whole = torch::zeros({2, 10});
  crossfade_into(whole, torch::ones({2, 6}), FrameChunk{0, 6}, 0);
  EXPECT_EQ(whole.sum().item<float>(), 12);
  crossfade_into(whole, torch::full({2, 6}, 3.0f), FrameChunk{4, 6}, 2);
  // Frames 4 and 5 fade from 1 to 3 with weights 0.25 and 0.75; 6..9 are the new chunk's.
  const torch::Tensor expected = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f, 1.5f, 2.5f, 3.0f, 3.0f, 3.0f, 3.0f});
  EXPECT_TRUE(torch::allclose(whole[0], expected)) << whole[0];
  EXPECT_TRUE(torch::allclose(whole[1], expected));
}

TEST(Chunks, RefusesAnOverlapAsLongAsTheChunk) {
  EXPECT_THROW(plan_chunks(100, 10, 10), std::invalid_argument);
}

}  // namespace
}  // namespace impasto::testing
