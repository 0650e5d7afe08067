// `impasto batch --slurm` on a real single-node Slurm cluster (scripts/slurm-local.sh), one per
// test, in the test's own folder. Skipped, saying why, where the machine cannot run one (not
// root, or slurm-wlm / munge missing).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "test_support.h"
#include "video/test_clips.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A process that has not ended (a zombie not yet reaped by its parent has ended).
bool running(const std::string& pid) {
  std::istringstream stat(read_bytes("/proc/" + pid + "/stat"));
  std::string number, name, state;
  stat >> number >> name >> state;
  return !state.empty() && state != "Z";
}

class SlurmCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
    const auto up = run_shell(script() + " up " + q(cluster()));
    if (up.exit_code == 77) GTEST_SKIP() << up.output;
    ASSERT_EQ(up.exit_code, 0) << up.output;
    started_ = true;
    ::setenv("SLURM_CONF", (cluster() / "slurm.conf").c_str(), 1);
    fs::create_directories(dir / "photos");
    fs::create_directories(dir / "paintings");
  }
  void TearDown() override {
    if (started_) {
      EXPECT_EQ(run_shell(script() + " down " + q(cluster())).exit_code, 0);
    }
    ::unsetenv("SLURM_CONF");
  }
  static std::string script() { return q(fs::path(IMPASTO_SOURCE_DIR) / "scripts" / "slurm-local.sh"); }
  fs::path cluster() const { return dir / "cluster"; }
  void add_photos(const std::vector<std::string>& names) {
    for (const auto& name : names) fs::copy_file(shared_image(name), dir / "photos" / name);
  }
  void add_paintings(const std::vector<std::string>& names) {
    for (const auto& name : names) fs::copy_file(shared_image(name), dir / "paintings" / name);
  }
  std::string batch(const fs::path& out, const std::string& extra) const {
    return "batch --content " + q(dir / "photos") + " --style " + q(dir / "paintings") + " --output " + q(out) +
           " --model-file " + q(squeezenet_file()) + " --size 128 --threads 1 " + extra;
  }
  // Submits; returns the job id printed.
  std::string submit(const std::string& arguments, const std::string& expected) {
    const auto result = run_impasto(arguments);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
    std::smatch match;
    if (!std::regex_search(result.output, match, std::regex("submitted Slurm job ([0-9]+)"))) {
      ADD_FAILURE() << result.output;
      return "";
    }
    return match[1];
  }
  // Waits until squeue no longer lists the job (false after `seconds`).
  bool wait_for(const std::string& id, int seconds) {
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < end) {
      const auto listed = run_shell("squeue -h -j " + id);
      if (listed.exit_code == 0 && listed.output.empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  }
  // Final states of the array's tasks from the job completion log: task -> "STATE exit".
  std::map<int, std::string> task_states(const std::string& id) const {
    std::map<int, std::string> states;
    std::istringstream lines(read_bytes(cluster() / "log" / "jobcomp.txt"));
    const std::regex pattern("JobState=(\\S+).*ArrayJobId=" + id + " ArrayTaskId=([0-9]+).*ExitCode=(\\S+)");
    for (std::string line; std::getline(lines, line);) {
      std::smatch match;
      if (std::regex_search(line, match, pattern)) states[std::stoi(match[2])] = match[1].str() + " " + match[3].str();
    }
    return states;
  }
  std::string logs(const fs::path& out) const {
    std::string text;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(out / "batch" / "logs", error))
      text += "== " + entry.path().filename().string() + "\n" + read_bytes(entry.path());
    return text + "== slurmd.log\n" + read_bytes(cluster() / "log" / "slurmd.log");
  }
  TempDir dir;
  bool started_ = false;
};

const std::vector<std::string> kPhotos = {"brad_pitt.jpg",    "escher_sphere.jpg", "frida_kahlo.jpg",
                                          "golden_gate.jpg", "hoovertowernight.jpg", "tubingen.jpg"};

TEST_F(SlurmCluster, ArrayOfThreeTasksFinishesTheBatchAsALocalRunWould) {
  add_photos(kPhotos);
  add_paintings({"starry_night.jpg", "the_scream.jpg"});
  const fs::path out = dir / "out";
  const std::string command = batch(out, "--iterations 5 --jobs-per-task 4");
  const std::string id = submit(command + " --slurm", "array 0-2 (3 tasks) for 12 jobs left of 12");
  ASSERT_TRUE(wait_for(id, 300)) << logs(out);
  EXPECT_EQ(task_states(id), (std::map<int, std::string>{{0, "COMPLETED 0:0"}, {1, "COMPLETED 0:0"},
                                                          {2, "COMPLETED 0:0"}}))
      << read_bytes(cluster() / "log" / "jobcomp.txt");
  const auto status = run_impasto("batch --status " + q(out));
  EXPECT_NE(status.output.find("12 jobs: 12 done, 0 running, 0 failed, 0 left"), std::string::npos)
      << status.output << logs(out);
  EXPECT_FALSE(fs::exists(out / "failed.json"));

  // The same batch on this machine: the same bytes.
  const fs::path local = dir / "local";
  const auto result = run_impasto(batch(local, "--iterations 5 --jobs-per-task 4"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  int compared = 0;
  for (const auto& photo : kPhotos)
    for (const char* painting : {"starry_night", "the_scream"}) {
      const std::string name = fs::path(photo).stem().string() + "__" + painting + ".png";
      const std::string slurm_bytes = read_bytes(out / name);
      ASSERT_FALSE(slurm_bytes.empty()) << name;
      EXPECT_TRUE(slurm_bytes == read_bytes(local / name)) << name << " differs between Slurm and the local run";
      ++compared;
    }
  EXPECT_EQ(compared, 12);
}

TEST_F(SlurmCluster, ScancelOfOneTaskThenTheSameCommandFinishesOnlyTheMissingJobs) {
  add_photos(kPhotos);
  add_paintings({"starry_night.jpg", "the_scream.jpg"});
  const fs::path out = dir / "out";
  const std::string command = batch(out, "--iterations 30 --jobs-per-task 4 --slurm");
  const std::string id = submit(command, "array 0-2 (3 tasks)");
  // Task 1 at work: its first job is marked running by it.
  bool started = false;
  for (const auto end = Clock::now() + std::chrono::seconds(120); !started && Clock::now() < end;) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(out / "batch" / "state", error)) {
      const auto record = nlohmann::json::parse(read_bytes(entry.path()), nullptr, false);
      if (record.is_object() && record.value("slurm_job", "") == id + "_1" && record.value("state", "") == "running")
        started = true;
    }
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(started) << logs(out);
  ASSERT_EQ(run_shell("scancel " + id + "_1").exit_code, 0);
  ASSERT_TRUE(wait_for(id, 300)) << logs(out);
  EXPECT_EQ(task_states(id)[1].substr(0, 9), "CANCELLED") << read_bytes(cluster() / "log" / "jobcomp.txt");

  // Tasks 0 and 2 finished their chunks; task 1 left some of jobs 5..8 (1-based), and nothing partial.
  std::vector<std::string> names;
  for (const auto& photo : kPhotos)
    for (const char* painting : {"starry_night", "the_scream"})
      names.push_back(fs::path(photo).stem().string() + "__" + painting + ".png");
  std::map<std::string, struct stat> finished;
  for (size_t i = 0; i < names.size(); ++i) {
    struct stat info {};
    const bool exists = ::stat((out / names[i]).c_str(), &info) == 0;
    if (i < 4 || i >= 8) {
      EXPECT_TRUE(exists) << names[i];
    }
    if (exists) finished[names[i]] = info;
  }
  EXPECT_LT(finished.size(), 12u) << "the cancelled task finished its chunk anyway";
  for (const auto& entry : fs::directory_iterator(out))
    EXPECT_NE(entry.path().filename().string()[0], '.') << "partial file " << entry.path();
  const auto status = run_impasto("batch --status " + q(out));
  EXPECT_NE(status.output.find(std::to_string(finished.size()) + " done, 0 running, 0 failed, " +
                               std::to_string(12 - finished.size()) + " left"),
            std::string::npos)
      << status.output;

  // The same command again: one task, for the missing jobs only.
  const std::string rerun = submit(command, "array 1 (1 tasks) for " + std::to_string(12 - finished.size()) +
                                                " jobs left of 12");
  ASSERT_TRUE(wait_for(rerun, 300)) << logs(out);
  for (const auto& name : names) EXPECT_TRUE(fs::exists(out / name)) << name << "\n" << logs(out);
  for (const auto& [name, before] : finished) {
    struct stat after {};
    ::stat((out / name).c_str(), &after);
    EXPECT_EQ(after.st_ino, before.st_ino) << name << " was written again";
    EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec) << name;
  }
}

TEST_F(SlurmCluster, ACorruptPhotoFailsAloneAndIsListedWithItsError) {
  add_photos({"golden_gate.jpg", "tubingen.jpg"});
  add_paintings({"starry_night.jpg"});
  write_bytes(dir / "photos" / "broken.jpg", std::string(2048, '\x17'));
  const fs::path out = dir / "out";
  const std::string id = submit(batch(out, "--iterations 5 --jobs-per-task 3 --slurm"), "array 0 (1 tasks)");
  ASSERT_TRUE(wait_for(id, 300)) << logs(out);
  EXPECT_EQ(task_states(id), (std::map<int, std::string>{{0, "FAILED 3:0"}}))
      << read_bytes(cluster() / "log" / "jobcomp.txt");
  EXPECT_TRUE(fs::exists(out / "golden_gate__starry_night.png")) << logs(out);
  EXPECT_TRUE(fs::exists(out / "tubingen__starry_night.png")) << logs(out);
  EXPECT_FALSE(fs::exists(out / "broken__starry_night.png"));
  const auto failed = nlohmann::json::parse(read_bytes(out / "failed.json"), nullptr, false);
  ASSERT_TRUE(failed.is_object()) << read_bytes(out / "failed.json");
  ASSERT_EQ(failed["failed"].size(), 1u) << failed.dump();
  EXPECT_EQ(failed["failed"][0]["job"], "broken__starry_night.png");
  EXPECT_EQ(failed["failed"][0]["error"],
            "cannot decode content image '" + (dir / "photos" / "broken.jpg").string() + "': not a valid image file");
  EXPECT_EQ(failed["failed"][0]["slurm_job"], id + "_0");
}

TEST_F(SlurmCluster, TheScriptRestartsAfterACrashAndIsQuietWhenUp) {
  const auto conf = read_bytes(cluster() / "slurm.conf");
  const auto again = run_shell(script() + " up " + q(cluster()));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_bytes(cluster() / "slurm.conf"), conf) << "a running cluster was set up again";
  // A crash: the controller killed outright, its pid file left behind.
  const std::string controller = read_bytes(cluster() / "run" / "slurmctld.pid");
  ASSERT_EQ(run_shell("kill -9 " + controller).exit_code, 0);
  const auto restarted = run_shell(script() + " up " + q(cluster()));
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_NE(read_bytes(cluster() / "run" / "slurmctld.pid"), controller);
  const auto job = run_shell("sbatch --parsable --gres=gpu:1 --wrap 'echo gpu $CUDA_VISIBLE_DEVICES' -o " +
                         q(dir / "gpu.log"));
  ASSERT_EQ(job.exit_code, 0) << job.output;
  ASSERT_TRUE(wait_for(job.output.substr(0, job.output.find('\n')), 60));
  EXPECT_EQ(read_bytes(dir / "gpu.log"), "gpu 0\n");
  std::vector<std::string> pids;
  for (const char* daemon : {"slurmd", "slurmctld", "munged"}) pids.push_back(read_bytes(cluster() / "run" / (std::string(daemon) + ".pid")));
  ASSERT_EQ(run_shell(script() + " down " + q(cluster())).exit_code, 0);
  started_ = false;
  for (const auto& pid : pids) EXPECT_FALSE(running(pid.substr(0, pid.find('\n')))) << pid;
}

// impasto video --slurm: chunks as an array, the assembly after it (afterok); a chunk cancelled
// mid-run is all that the same command submits again.
TEST_F(SlurmCluster, VideoChunksThenAssemblyAndACancelledChunkIsAllThatIsPaintedAgain) {
  const cv::Mat photo = cv::imread(shared_image("tubingen.jpg").string());
  fs::create_directories(dir / "clip");
  for (int i = 0; i < 14; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%02d.png", i);
    cv::imwrite((dir / "clip" / name).string(), panning_frame(photo, i, cv::Size(128, 96)));
  }
  const fs::path output = dir / "out.mp4", work = dir / "out.mp4.slurm";
  const std::string command = "video --content " + q(dir / "clip") + " --style " + q(shared_image("starry_night.jpg")) +
                              " --output " + q(output) + " --model-file " + q(squeezenet_file()) +
                              " --size 128 --iterations 30 --frame-iterations 20 --threads 1 --chunk-frames 6 "
                              "--chunk-overlap 2 --report " + q(dir / "report.json") + " --slurm";
  const auto first = run_impasto(command);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(first.output, match,
                                std::regex("submitted Slurm job ([0-9]+): array 0-2 \\(3 of 3 chunks of about 6 frames")))
      << first.output;
  const std::string id = match[1];
  ASSERT_TRUE(std::regex_search(first.output, match, std::regex("submitted Slurm job ([0-9]+): the assembly")));
  const std::string assembly = match[1];

  bool started = false;  // chunk 1 at work
  for (const auto end = Clock::now() + std::chrono::seconds(120); !started && Clock::now() < end;) {
    const auto record = nlohmann::json::parse(read_bytes(work / "batch" / "state" / "chunk_001.json"), nullptr, false);
    started = record.is_object() && record.value("slurm_job", "") == id + "_1" && record.value("state", "") == "running";
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(started) << logs(work);
  ASSERT_EQ(run_shell("scancel " + id + "_1").exit_code, 0);
  ASSERT_TRUE(wait_for(id, 300)) << logs(work);
  EXPECT_EQ(task_states(id)[1].substr(0, 9), "CANCELLED") << read_bytes(cluster() / "log" / "jobcomp.txt");
  // The assembly waits for a dependency that can never be met (or is gone, where Slurm kills such jobs).
  std::string waiting = "?";
  for (const auto end = Clock::now() + std::chrono::seconds(60);
       !(waiting.empty() || waiting.find("DependencyNeverSatisfied") != std::string::npos) && Clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(200)))
    waiting = run_shell("squeue -h -o %r -j " + assembly + " 2>/dev/null").output;
  EXPECT_TRUE(waiting.empty() || waiting.find("DependencyNeverSatisfied") != std::string::npos) << waiting;
  EXPECT_TRUE(fs::exists(work / "chunk_000")) << logs(work);
  EXPECT_TRUE(fs::exists(work / "chunk_002")) << logs(work);
  EXPECT_FALSE(fs::exists(work / "chunk_001"));
  EXPECT_FALSE(fs::exists(output)) << "assembled without chunk 1";

  const auto again = run_impasto(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(wait_for(assembly, 30)) << "the stale assembly was not cancelled";
  ASSERT_TRUE(std::regex_search(again.output, match, std::regex("submitted Slurm job ([0-9]+): array 1 \\(1 of 3 chunks")))
      << again.output;
  const std::string rerun = match[1];
  ASSERT_TRUE(std::regex_search(again.output, match, std::regex("submitted Slurm job ([0-9]+): the assembly")));
  ASSERT_TRUE(wait_for(rerun + "," + match[1].str(), 300)) << logs(work);
  EXPECT_EQ(task_states(rerun), (std::map<int, std::string>{{1, "COMPLETED 0:0"}}));

  cv::VideoCapture video(output.string());
  int frames = 0;
  for (cv::Mat frame; video.read(frame);) ++frames;
  EXPECT_EQ(frames, 14) << logs(work);
  EXPECT_FALSE(fs::exists(work / "chunk_000")) << "the chunks' frames are removed once the video is written";
  const auto report = nlohmann::json::parse(read_bytes(dir / "report.json"), nullptr, false);
  ASSERT_TRUE(report.is_object()) << logs(work);
  ASSERT_EQ(report["chunks"]["boundaries"].size(), 2u);
  std::printf("[ measured ] worst chunk boundary / clip mean warping error: %.3f (%s)\n",
              report["chunks"]["worst_boundary_to_mean"].get<double>(), report["chunks"]["boundaries"].dump().c_str());
  // Crossfaded over 2 frames, a boundary's worst pair flickers far less than the cut would have.
  for (const auto& boundary : report["chunks"]["boundaries"])
    EXPECT_LT(boundary["warp_error"].get<double>(), 0.25 * boundary["unblended_warp_error"].get<double>()) << boundary;
}

}  // namespace
}  // namespace impasto::testing
