#include "transfer/schedule.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"

namespace impasto {
namespace {

TEST(ScaleSizes, NoScalesIsOneScaleAtTheOutputSize) { EXPECT_EQ(scale_sizes({}, 512), std::vector<int>({512})); }

TEST(ScaleSizes, ACountHalvesDownFromTheOutputSize) {
  EXPECT_EQ(scale_sizes({3}, 1024), std::vector<int>({256, 512, 1024}));
  EXPECT_EQ(scale_sizes({2}, 300), std::vector<int>({150, 300}));
  EXPECT_EQ(scale_sizes({1}, 300), std::vector<int>({300}));
}

TEST(ScaleSizes, AListIsTakenAsGiven) {
  EXPECT_EQ(scale_sizes({256, 700, 2048}, 2048), std::vector<int>({256, 700, 2048}));
}

TEST(ScaleSizes, BadSchedulesAreInputErrors) {
  EXPECT_THROW(scale_sizes({0}, 512), InputError);
  EXPECT_THROW(scale_sizes({-2}, 512), InputError);
  EXPECT_NO_THROW(scale_sizes({5}, 512));  // 512 / 16 = 32 px, the smallest scale allowed
  EXPECT_THROW(scale_sizes({6}, 512), InputError);
  EXPECT_THROW(scale_sizes({256, 128, 512}, 512), InputError);  // not ascending
  EXPECT_THROW(scale_sizes({256, 512}, 1024), InputError);      // does not end at the output size
  EXPECT_THROW(scale_sizes({16, 512}, 512), InputError);        // too small
  EXPECT_THROW(scale_sizes({40}, 512), InputError);             // a count this large reaches below 32 px
}

}  // namespace
}  // namespace impasto
