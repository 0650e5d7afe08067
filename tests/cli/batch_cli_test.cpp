// `impasto batch` on this machine, end to end with the real SqueezeNet weights at small sizes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "batch/job_list.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using batch::split_words;

// The line of `text` that holds `word`.
std::string line_of(const std::string& text, const std::string& word) {
  const size_t at = text.find(word);
  if (at == std::string::npos) return "";
  const size_t start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  return text.substr(start, text.find('\n', at) - start);
}

class BatchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
    fs::create_directories(dir / "photos");
    fs::create_directories(dir / "paintings");
    fs::copy_file(shared_image("tubingen.jpg"), dir / "photos" / "tubingen.jpg");
    fs::copy_file(shared_image("golden_gate.jpg"), dir / "photos" / "golden_gate.jpg");
    fs::copy_file(shared_image("starry_night.jpg"), dir / "paintings" / "starry_night.jpg");
    fs::copy_file(shared_image("the_scream.jpg"), dir / "paintings" / "the_scream.jpg");
  }
  std::string batch(const std::string& extra = "") const {
    return "batch --content " + q(dir / "photos") + " --style " + q(dir / "paintings") + " --output " + q(out()) +
           " --model-file " + q(squeezenet_file()) + " --size 64 --iterations 3 " + extra;
  }
  fs::path out() const { return dir / "out"; }
  // Images in the batch folder (not its bookkeeping).
  int image_count() const {
    int count = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(out(), error))
      if (entry.is_regular_file() && entry.path().extension() != ".json") ++count;
    return count;
  }
  TempDir dir;
};

const std::vector<std::string> kNames = {"golden_gate__starry_night.png", "golden_gate__the_scream.png",
                                         "tubingen__starry_night.png", "tubingen__the_scream.png"};

TEST_F(BatchCli, RunsEveryPairUnderItsNameAndReportsStatus) {
  const auto result = run_impasto(batch("--jobs 2"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("4 jobs: 4 to run, 2 at a time"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("batch: 4/4 done, 0 failed, 0 running, 0 left"), std::string::npos) << result.output;
  for (const auto& name : kNames) {
    cv::Mat image = cv::imread((out() / name).string());
    ASSERT_FALSE(image.empty()) << name;
    EXPECT_EQ(std::max(image.cols, image.rows), 64) << name;
  }
  EXPECT_EQ(image_count(), 4);
  EXPECT_FALSE(fs::exists(out() / "failed.json"));
  // The job list: one line per job, stylize options, each --output a name in the folder.
  const std::string jobs = read_bytes(out() / "batch" / "jobs.txt");
  EXPECT_NE(jobs.find("--output golden_gate__starry_night.png --size 64 --iterations 3 --model-file"), std::string::npos) << jobs;
  const auto status = run_impasto("batch --status " + q(out()));
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("4 jobs: 4 done, 0 running, 0 failed, 0 left"), std::string::npos) << status.output;
  EXPECT_EQ(split_words(line_of(status.output, "tubingen__the_scream.png")).back(), "done") << status.output;
}

TEST_F(BatchCli, RerunDoesOnlyWhatIsMissing) {
  ASSERT_EQ(run_impasto(batch()).exit_code, 0);
  struct stat kept {};
  ::stat((out() / kNames[0]).c_str(), &kept);
  fs::remove(out() / kNames[2]);
  const auto result = run_impasto(batch());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("4 jobs: 1 to run"), std::string::npos) << result.output;
  EXPECT_TRUE(fs::exists(out() / kNames[2]));
  struct stat again {};
  ::stat((out() / kNames[0]).c_str(), &again);
  EXPECT_EQ(again.st_ino, kept.st_ino) << "a finished image was written again";
  EXPECT_EQ(again.st_mtim.tv_nsec, kept.st_mtim.tv_nsec);
  const auto done = run_impasto(batch());
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_NE(done.output.find("all 4 jobs of"), std::string::npos) << done.output;
}

TEST_F(BatchCli, ACorruptPhotoFailsAloneAndIsListed) {
  write_bytes(dir / "photos" / "broken.jpg", "this is not a JPEG");
  const auto result = run_impasto(batch("--jobs 1"));
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("2 of 6 jobs failed"), std::string::npos) << result.output;
  for (const auto& name : kNames) EXPECT_TRUE(fs::exists(out() / name)) << name;
  std::ifstream in(out() / "failed.json");
  const auto failed = nlohmann::json::parse(in)["failed"];
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0]["job"], "broken__starry_night.png");
  EXPECT_EQ(failed[0]["error"], "cannot decode content image '" + (dir / "photos" / "broken.jpg").string() +
                                    "': not a valid image file");
  EXPECT_EQ(failed[1]["job"], "broken__the_scream.png");
  const auto status = run_impasto("batch --status " + q(out()));
  EXPECT_NE(status.output.find("6 jobs: 4 done, 0 running, 2 failed, 0 left"), std::string::npos) << status.output;
  const std::string line = line_of(status.output, "broken__starry_night.png");
  EXPECT_NE(line.find(" failed   cannot decode content image"), std::string::npos) << status.output;
  // Nothing partial was left behind: only the four images and the bookkeeping.
  for (const auto& entry : fs::directory_iterator(out()))
    EXPECT_NE(entry.path().filename().string()[0], '.') << entry.path();
  // Fixed, the rerun does the two failed jobs and failed.json goes.
  fs::copy_file(shared_image("brad_pitt.jpg"), dir / "photos" / "broken.jpg", fs::copy_options::overwrite_existing);
  const auto rerun = run_impasto(batch());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("6 jobs: 2 to run"), std::string::npos) << rerun.output;
  EXPECT_FALSE(fs::exists(out() / "failed.json"));
}

TEST_F(BatchCli, ManifestLinesTakeTheirOwnOptions) {
  write_bytes(dir / "jobs.txt",
              "# two jobs\n"
              "--content " + q(dir / "photos" / "tubingen.jpg") + " --style " + q(dir / "paintings" / "starry_night.jpg") +
                  "\n"
              "-c " + q(dir / "photos" / "golden_gate.jpg") + " --size 48 --output gate.jpg\n");
  const auto result = run_impasto("batch --manifest " + q(dir / "jobs.txt") + " --style " +
                                  q(dir / "paintings" / "the_scream.jpg") + " --output " + q(out()) +
                                  " --model-file " + q(squeezenet_file()) + " --size 64 --iterations 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(cv::imread((out() / "tubingen__starry_night.png").string()).cols, 64);
  cv::Mat gate = cv::imread((out() / "gate.jpg").string());
  ASSERT_FALSE(gate.empty());
  EXPECT_EQ(std::max(gate.cols, gate.rows), 48);
}

TEST_F(BatchCli, BadInputIsOneLineExitTwoAndWritesNothing) {
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases = {
      {batch().replace(batch().find(q(dir / "photos")), q(dir / "photos").size(), q(dir / "none")),
       "--content '" + (dir / "none").string() + "': no such file or folder"},
      {batch("--report r.json"), "--report names one file for every job of a batch"},
      {batch("--size 0"), "job 1 (golden_gate__starry_night.png): --size must be a positive number"},
      {batch("--format xyz"), "unsupported image type"},
      {"batch --output " + q(out()), "batch needs --content and --style"},
      {"batch --status " + q(dir.path()), "holds no batch"},
  };
  for (const auto& c : cases) {
    const auto result = run_impasto(c.arguments);
    EXPECT_EQ(result.exit_code, 2) << c.arguments << "\n" << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_FALSE(fs::exists(out())) << c.arguments;
  }
}

TEST_F(BatchCli, SlurmDryRunWritesAReadableScriptAndSubmitsNothing) {
  const auto result = run_impasto(batch("--slurm --dry-run --jobs-per-task 3 --slurm-array-limit 8 --gpus-per-task 1 "
                                        "--sbatch-arg=--partition=gpu --sbatch-arg=--time=1:00:00"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("array 0-1: 2 tasks for 4 jobs left of 4); nothing submitted"), std::string::npos)
      << result.output;
  const fs::path script = out() / "batch" / "impasto-batch.sbatch";
  const std::string text = read_bytes(script);
  for (const char* line : {"#SBATCH --array=0-1%8\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --partition=gpu\n",
                           "#SBATCH --time=1:00:00\n", "#SBATCH --requeue\n", "#SBATCH --cpus-per-task=4\n",
                           "--run-chunk \"$SLURM_ARRAY_TASK_ID\" --jobs-per-task 3"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  EXPECT_EQ(std::system(("bash -n " + q(script)).c_str()), 0) << "not valid bash";
  EXPECT_TRUE(fs::exists(out() / "batch" / "jobs.txt"));
  EXPECT_EQ(image_count(), 0);
  // What a task runs, run here by hand: chunk 1 is jobs 4 and 5 (of 1..4: the last one).
  const auto task = run_impasto("batch --manifest " + q(out() / "batch" / "jobs.txt") + " --output " + q(out()) +
                                " --run-chunk 1 --jobs-per-task 3 --threads 1");
  ASSERT_EQ(task.exit_code, 0) << task.output;
  EXPECT_EQ(image_count(), 1);
  EXPECT_TRUE(fs::exists(out() / kNames[3]));
}

}  // namespace
}  // namespace impasto::testing
