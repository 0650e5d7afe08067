#include "batch/job_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace impasto::batch {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class BatchJobState : public ::testing::Test {
 protected:
  void SetUp() override { create_folders(paths); }
  testing::TempDir dir;
  BatchPaths paths{(dir / "out").string() + "/"};
};

TEST_F(BatchJobState, TrailingSlashesDoNotDoubleInPaths) {
  EXPECT_EQ(paths.manifest(), (dir / "out").string() + "/batch/jobs.txt");
  EXPECT_TRUE(fs::is_directory(paths.state()));
  EXPECT_TRUE(fs::is_directory(paths.logs()));
}

TEST_F(BatchJobState, StatesFromOutputsAndRecords) {
  testing::write_bytes(paths.output("done.png"), "png");
  mark_running(paths, "running.png");
  mark_running(paths, "killed.png");
  mark_failed(paths, "failed.png", "cannot decode content image 'x.jpg': not a valid image file");
  // The killed job's record names a process that has gone: rewrite it with a pid that cannot exist.
  auto record = read_json(paths.record("killed.png"));
  record["pid"] = 999999999;
  std::ofstream(paths.record("killed.png")) << record.dump();
  const auto statuses = job_statuses(paths, {"done.png", "running.png", "killed.png", "failed.png", "new.png"},
                                     owner_alive_check());
  ASSERT_EQ(statuses.size(), 5u);
  EXPECT_EQ(statuses[0].state, State::done);
  EXPECT_EQ(statuses[1].state, State::running);  // this test process, alive
  EXPECT_NE(statuses[1].detail.find("pid " + std::to_string(::getpid())), std::string::npos) << statuses[1].detail;
  EXPECT_EQ(statuses[2].state, State::left);
  EXPECT_NE(statuses[2].detail.find("interrupted"), std::string::npos) << statuses[2].detail;
  EXPECT_EQ(statuses[3].state, State::failed);
  EXPECT_EQ(statuses[3].detail, "cannot decode content image 'x.jpg': not a valid image file");
  EXPECT_EQ(statuses[4].state, State::left);
  EXPECT_EQ(statuses[4].detail, "");
  EXPECT_EQ(status_summary(statuses), "5 jobs: 1 done, 1 running, 1 failed, 2 left");
  const std::string table = status_table(statuses);
  EXPECT_NE(table.find("done.png     done\n"), std::string::npos) << table;
  EXPECT_NE(table.find("failed.png   failed   cannot decode"), std::string::npos) << table;
}

TEST_F(BatchJobState, ARecordOnAnotherHostIsAliveOnlyWhileSlurmListsIt) {
  const auto alive = owner_alive_check();
  // Not this host, and no Slurm task (or one squeue does not list): gone.
  EXPECT_FALSE(alive({{"host", "elsewhere-node-17"}, {"pid", 1}, {"slurm_job", ""}}));
  EXPECT_FALSE(alive({{"host", "elsewhere-node-17"}, {"pid", 1}, {"slurm_job", "999999999_0"}}));
  ::setenv("SLURM_ARRAY_JOB_ID", "77", 1);
  ::setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  // A requeued task finds its own earlier record: gone, even on this host with a live pid.
  const auto requeued = owner_alive_check();
  EXPECT_FALSE(requeued({{"host", this_process()["host"]}, {"pid", ::getpid()}, {"slurm_job", "77_3"}}));
  EXPECT_TRUE(requeued({{"host", this_process()["host"]}, {"pid", ::getpid()}, {"slurm_job", "77_4"}}));
  EXPECT_EQ(this_process()["slurm_job"], "77_3");
  ::unsetenv("SLURM_ARRAY_JOB_ID");
  ::unsetenv("SLURM_ARRAY_TASK_ID");
}

TEST_F(BatchJobState, FailedJsonListsFailuresUntilTheyAreDone) {
  mark_failed(paths, "b.png", "error b");
  mark_failed(paths, "a.png", "error a");
  mark_running(paths, "c.png");
  write_failed_json(paths);
  auto failed = read_json(paths.failed_json())["failed"];
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0]["job"], "a.png");
  EXPECT_EQ(failed[0]["error"], "error a");
  EXPECT_EQ(failed[1]["job"], "b.png");
  EXPECT_FALSE(failed[1]["host"].get<std::string>().empty());
  testing::write_bytes(paths.output("a.png"), "png");  // done since (by another run)
  write_failed_json(paths);
  failed = read_json(paths.failed_json())["failed"];
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["job"], "b.png");
  clear_record(paths, "b.png");
  write_failed_json(paths);
  EXPECT_FALSE(fs::exists(paths.failed_json()));
}

TEST_F(BatchJobState, PartialOutputsOfAnInterruptedWriteAreRemoved) {
  for (const char* name : {".a__x.tmp1234.png", ".a__x.tmp99.png", ".a__x.tmpnotpid.png", ".a__y.tmp1234.png",
                           "a__x.png.keep", ".a__x.tmp1234.jpg"})
    testing::write_bytes(paths.out + "/" + name, "partial");
  remove_partial_outputs(paths, "a__x.png");
  EXPECT_FALSE(fs::exists(paths.out + "/.a__x.tmp1234.png"));
  EXPECT_FALSE(fs::exists(paths.out + "/.a__x.tmp99.png"));
  for (const char* kept : {".a__x.tmpnotpid.png", ".a__y.tmp1234.png", "a__x.png.keep", ".a__x.tmp1234.jpg"})
    EXPECT_TRUE(fs::exists(paths.out + "/" + kept)) << kept;
}

}  // namespace
}  // namespace impasto::batch
