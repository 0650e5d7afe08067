#include "batch/job_runner.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "impasto/errors.h"
#include "impasto/stylize.h"
#include "test_support.h"

namespace impasto::batch {
namespace {

namespace fs = std::filesystem;

class BatchJobRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    create_folders(paths);
    for (const char* name : {"a.png", "b.png", "bad.png", "d.png"}) jobs.push_back({name, {}});
  }
  testing::TempDir dir;
  BatchPaths paths{(dir / "out").string()};
  std::vector<BatchJob> jobs;
  std::vector<std::string> ran;
  std::FILE* log = std::tmpfile();
};

TEST_F(BatchJobRunner, RunsWhatIsMissingAndRecordsFailuresWithoutStopping) {
  testing::write_bytes(paths.output("a.png"), "done before");
  testing::write_bytes(paths.out + "/.b.tmp4242.png", "partial");  // left by a killed writer
  const RunOne run_one = [&](const BatchJob& job, const std::string& output, const std::function<bool()>&) {
    ran.push_back(job.name);
    // While it runs, the job is marked running by this process.
    std::ifstream record(paths.record(job.name));
    EXPECT_EQ(nlohmann::json::parse(record)["state"], "running");
    if (job.name == "bad.png") throw InputError("cannot decode content image 'bad.jpg': not a valid image file\nmore");
    testing::write_bytes(output, "image");
  };
  const RunSummary summary = run_jobs(paths, jobs, {0, 1, 2, 3}, run_one, log);
  EXPECT_EQ(ran, (std::vector<std::string>{"b.png", "bad.png", "d.png"}));
  EXPECT_EQ(summary.done, 2);
  EXPECT_EQ(summary.already, 1);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_FALSE(summary.interrupted);
  EXPECT_EQ(exit_status(summary), 3);
  EXPECT_FALSE(fs::exists(paths.out + "/.b.tmp4242.png"));
  EXPECT_FALSE(fs::exists(paths.record("b.png")));
  std::ifstream failed_file(paths.failed_json());
  const auto failed = nlohmann::json::parse(failed_file)["failed"];
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["job"], "bad.png");
  EXPECT_EQ(failed[0]["error"], "cannot decode content image 'bad.jpg': not a valid image file");

  // Again, with the bad input fixed: only the failed job runs, and failed.json goes away.
  ran.clear();
  const RunOne fixed = [&](const BatchJob& job, const std::string& output, const std::function<bool()>&) {
    ran.push_back(job.name);
    testing::write_bytes(output, "image");
  };
  EXPECT_EQ(exit_status(run_jobs(paths, jobs, {0, 1, 2, 3}, fixed, log)), 0);
  EXPECT_EQ(ran, (std::vector<std::string>{"bad.png"}));
  EXPECT_FALSE(fs::exists(paths.failed_json()));
}

TEST_F(BatchJobRunner, SigtermAbandonsTheJobInProgressAndTheRest) {
  const RunOne run_one = [&](const BatchJob& job, const std::string&, const std::function<bool()>& cancelled) {
    ran.push_back(job.name);
    std::raise(SIGTERM);  // as scancel would, in the middle of the job
    EXPECT_TRUE(cancelled());
    throw RunCancelled();
  };
  const RunSummary summary = run_jobs(paths, jobs, {0, 1, 2, 3}, run_one, log);
  EXPECT_EQ(ran, (std::vector<std::string>{"a.png"}));
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(exit_status(summary), 143);
  EXPECT_FALSE(fs::exists(paths.record("a.png")));  // left, not running
  EXPECT_FALSE(fs::exists(paths.output("a.png")));
}

}  // namespace
}  // namespace impasto::batch
