#include "server/job_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "server/server_fixtures.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using server::JobQueue;
using server::JobSpec;

size_t images_in(const fs::path& dir) {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) count += entry.path().extension() == ".png";
  return count;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class ServeQueue : public ::testing::Test {
 protected:
  JobSpec job(const std::string& content = "photo.png", int iterations = 6) {
    JobSpec spec;
    spec.options.content = content;
    spec.options.styles = {"style.png"};
    spec.options.size = 64;
    spec.options.iterations = iterations;
    spec.options.output = "/etc/ignored.png";  // the queue chooses the output
    spec.title = content;
    spec.preview_every = 2;
    return spec;
  }
  nlohmann::json status_of(int id) {
    const nlohmann::json snapshot = queue.snapshot();
    for (const auto& j : snapshot["jobs"])
      if (j["id"] == id) return j;
    return {};
  }
  bool ends_as(int id, const std::string& status) {
    return eventually([&] { return status_of(id)["status"] == status; });
  }

  TempDir dir;
  server::EventLog events;
  FakeRunner runner;
  JobQueue queue{dir / "results", events, [this](const Options& o, const RunCallbacks& c) { return runner(o, c); }};
};

TEST_F(ServeQueue, RunsJobsOneAtATimeInOrderAndWritesEachResultIntoTheOutputDirectory) {
  runner.hold = true;
  const int first = queue.submit(job()), second = queue.submit(job()), third = queue.submit(job());
  ASSERT_TRUE(eventually([&] { return status_of(first)["status"] == "running"; }));
  EXPECT_EQ(status_of(second)["status"], "queued");
  EXPECT_EQ(status_of(third)["status"], "queued");
  runner.hold = false;
  ASSERT_TRUE(ends_as(third, "done"));
  EXPECT_EQ(runner.most_running, 1);
  EXPECT_EQ(runner.runs, 3);
  std::set<fs::path> files;
  for (int id : {first, second, third}) {
    const auto file = queue.result_file(id);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->parent_path(), dir / "results");
    EXPECT_EQ(file->extension(), ".png");
    EXPECT_EQ(cv::imread(file->string()).cols, 64);
    files.insert(*file);
    const auto j = status_of(id);
    EXPECT_EQ(j["result"]["width"], 64);
    EXPECT_EQ(j["result"]["height"], 32);
    EXPECT_EQ(j["result"]["url"], "/api/jobs/" + std::to_string(id) + "/result.png");
  }
  EXPECT_EQ(files.size(), 3u);
  EXPECT_FALSE(fs::exists("/etc/ignored.png"));
}

TEST_F(ServeQueue, CancelsQueuedAndRunningJobsWithoutWritingAnything) {
  runner.hold = true;
  const int running = queue.submit(job()), waiting = queue.submit(job());
  ASSERT_TRUE(eventually([&] { return status_of(running)["status"] == "running"; }));
  EXPECT_TRUE(queue.cancel(waiting));
  EXPECT_EQ(status_of(waiting)["status"], "cancelled");
  EXPECT_TRUE(queue.cancel(running));
  ASSERT_TRUE(ends_as(running, "cancelled"));
  EXPECT_FALSE(queue.cancel(running));
  EXPECT_FALSE(queue.cancel(99));
  EXPECT_EQ(runner.runs, 1);
  EXPECT_FALSE(queue.result_file(running));
  EXPECT_EQ(images_in(dir / "results"), 0u);
}

TEST_F(ServeQueue, AFailedJobKeepsItsMessageAndTheNextJobStillRuns) {
  const int bad = queue.submit(job("fail.png")), good = queue.submit(job());
  ASSERT_TRUE(ends_as(good, "done"));
  EXPECT_EQ(status_of(bad)["status"], "failed");
  EXPECT_EQ(status_of(bad)["error"], "cannot decode content image: bad");
}

TEST_F(ServeQueue, AJobKeepsTheNotesOfItsRun) {
  const int noted = queue.submit(job("note.png")), plain = queue.submit(job());
  ASSERT_TRUE(ends_as(plain, "done"));
  EXPECT_EQ(status_of(noted)["notes"], nlohmann::json({"the weights hold only part of the network"}));
  EXPECT_FALSE(status_of(plain).contains("notes"));
}

TEST_F(ServeQueue, PublishesStateProgressAndPreviewEvents) {
  const int id = queue.submit(job("photo.png", 6));
  ASSERT_TRUE(ends_as(id, "done"));
  std::string all;
  for (const auto& frame : events.wait(0, std::chrono::milliseconds(0)).frames) all += frame;
  size_t progress = 0, previews = 0;
  for (size_t at = 0; (at = all.find("event: progress", at)) != std::string::npos; ++at) ++progress;
  for (size_t at = 0; (at = all.find("event: preview", at)) != std::string::npos; ++at) ++previews;
  EXPECT_EQ(progress, 6u);
  EXPECT_EQ(previews, 3u);  // every 2 iterations (the fake writes no final preview)
  EXPECT_NE(all.find("\"status\":\"queued\""), std::string::npos);
  EXPECT_NE(all.find("\"status\":\"running\""), std::string::npos);
  EXPECT_NE(all.rfind("\"status\":\"done\""), std::string::npos);
  EXPECT_EQ(status_of(id)["preview_count"], 3);
}

// The runner's write failed (a full disk): the job fails with the reason, and nothing is served.
TEST_F(ServeQueue, AResultThatCouldNotBeWrittenFailsTheJob) {
  server::EventLog log;
  JobQueue failing(dir / "full", log, [](const Options& o, const RunCallbacks&) -> RunResult {
    throw InputError("cannot write '" + o.output + "': No space left on device");
  });
  JobSpec spec = job();
  const int id = failing.submit(spec);
  ASSERT_TRUE(eventually([&] { return failing.snapshot()["jobs"][0]["status"] == "failed"; }));
  const auto j = failing.snapshot()["jobs"][0];
  EXPECT_NE(j["error"].get<std::string>().find("No space left on device"), std::string::npos) << j;
  EXPECT_FALSE(failing.result_file(id));
  EXPECT_EQ(images_in(dir / "full"), 0u);
}

// A runner that says it wrote the image when the file is cut short (an unchecked final flush on a
// full disk) must not make a `done` job that serves the broken file.
TEST_F(ServeQueue, AResultFileCutShortIsNeverDone) {
  server::EventLog log;
  JobQueue lying(dir / "cut", log, [](const Options& o, const RunCallbacks&) {
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(32, 64, CV_8UC3, cv::Scalar(10, 200, 30)), png);
    write_bytes(o.output, std::string(png.begin(), png.begin() + static_cast<long>(png.size()) - 20));
    RunResult result;
    result.output_width = 64;
    result.output_height = 32;
    return result;
  });
  const int id = lying.submit(job());
  ASSERT_TRUE(eventually([&] { return lying.snapshot()["jobs"][0]["status"] == "failed"; }));
  EXPECT_EQ(lying.snapshot()["jobs"][0]["error"], "the result could not be written completely (it is cut short)");
  EXPECT_FALSE(lying.result_file(id));
  EXPECT_EQ(images_in(dir / "cut"), 0u);
}

// What a restarted studio finds after the last one was killed (kill -9) with one job done, one
// running and one queued, and an atomic write interrupted: the result is listed again, the other
// two are reported lost, the temporary is gone, and new jobs get new numbers.
TEST_F(ServeQueue, ARestartListsEarlierResultsAndReportsLostJobs) {
  const fs::path out = dir / "restart";
  int done_id;
  std::string done_file;
  {
    server::EventLog log;
    JobQueue first(out, log, [this](const Options& o, const RunCallbacks& c) { return runner(o, c); });
    done_id = first.submit(job());
    ASSERT_TRUE(eventually([&] { return first.snapshot()["jobs"][0]["status"] == "done"; }));
    done_file = first.result_file(done_id)->filename().string();
  }
  // Edit the journal as a killed server leaves it: two more jobs, queued and running.
  const fs::path journal = out / ".impasto-studio-jobs.json";
  std::ifstream in(journal);
  nlohmann::json recorded = nlohmann::json::parse(in);
  in.close();
  nlohmann::json running = recorded["jobs"][0], queued = recorded["jobs"][0];
  running["id"] = 2;
  running["status"] = "running";
  running.erase("result");
  queued["id"] = 3;
  queued["status"] = "queued";
  queued.erase("result");
  recorded["jobs"].push_back(running);
  recorded["jobs"].push_back(queued);
  write_bytes(journal, recorded.dump());
  write_bytes(out / (".impasto-20260101-000000-2.tmp999999999.png"), "half a png");  // no such process

  server::EventLog log;
  JobQueue second(out, log, [this](const Options& o, const RunCallbacks& c) { return runner(o, c); });
  const auto jobs = second.snapshot()["jobs"];
  ASSERT_EQ(jobs.size(), 3u) << jobs;
  EXPECT_EQ(jobs[0]["status"], "done");
  EXPECT_EQ(jobs[0]["result"]["file"], done_file);
  ASSERT_TRUE(second.result_file(done_id));
  EXPECT_EQ(cv::imread(second.result_file(done_id)->string()).cols, 64);
  EXPECT_EQ(jobs[1]["status"], "failed");
  EXPECT_EQ(jobs[1]["error"], "lost: the studio stopped while this job was running; submit it again");
  EXPECT_EQ(jobs[2]["error"], "lost: the studio stopped while this job was queued; submit it again");
  EXPECT_EQ(names_in(out), (std::vector<std::string>{".impasto-studio-jobs.json", done_file}));
  EXPECT_EQ(second.submit(job()), 4);
  ASSERT_TRUE(eventually([&] { return second.result_file(4).has_value(); }));

  // A result deleted by hand is not served.
  fs::remove(out / done_file);
  server::EventLog log3;
  JobQueue third(out, log3, [this](const Options& o, const RunCallbacks& c) { return runner(o, c); });
  EXPECT_FALSE(third.result_file(done_id));
  EXPECT_EQ(third.snapshot()["jobs"][0]["status"], "failed");
  EXPECT_TRUE(third.result_file(4));
}

}  // namespace
}  // namespace impasto::testing
