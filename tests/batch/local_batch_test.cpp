#include "batch/local_batch.h"

#include <gtest/gtest.h>

namespace impasto::batch {
namespace {

TEST(BatchLocalPlan, JobsAtOnceAndThreadsShareTheCores) {
  EXPECT_EQ(local_plan(12, 0, 0, 8).parallel, 8);
  EXPECT_EQ(local_plan(12, 0, 0, 8).threads, 1);
  EXPECT_EQ(local_plan(3, 0, 0, 8).parallel, 3);
  EXPECT_EQ(local_plan(3, 0, 0, 8).threads, 2);
  EXPECT_EQ(local_plan(12, 2, 0, 8).threads, 4);
  EXPECT_EQ(local_plan(12, 2, 3, 8).threads, 3);
  EXPECT_EQ(local_plan(1, 0, 0, 2).parallel, 1);
  EXPECT_EQ(local_plan(1, 0, 0, 2).threads, 2);
  EXPECT_EQ(local_plan(0, 0, 0, 2).parallel, 1);
}

TEST(BatchLocalPlan, JobsAreDealtRoundRobin) {
  const auto shares = deal_jobs({1, 2, 4, 5, 7}, 2);
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0], (std::vector<int>{1, 4, 7}));
  EXPECT_EQ(shares[1], (std::vector<int>{2, 5}));
  EXPECT_EQ(deal_jobs({3}, 4).size(), 1u);
}

TEST(BatchLocalPlan, ProgressLineCountsAndEstimates) {
  EXPECT_EQ(progress_line(12, 5, 1, 2, 4, 35, 0), "batch: 5/12 done, 1 failed, 2 running, 4 left, 0:35 so far");
  // 6 finished in 60 s here, 6 to go: about 60 s more.
  EXPECT_EQ(progress_line(12, 5, 1, 2, 4, 60, 6),
            "batch: 5/12 done, 1 failed, 2 running, 4 left, 1:00 so far, about 1:00 to go");
  EXPECT_EQ(progress_line(2, 2, 0, 0, 0, 3725, 2), "batch: 2/2 done, 0 failed, 0 running, 0 left, 1:02:05 so far");
}

}  // namespace
}  // namespace impasto::batch
