#include "server/job_queue.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "server/server_fixtures.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using server::JobQueue;
using server::JobSpec;

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
  EXPECT_TRUE(fs::is_empty(dir / "results"));
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

}  // namespace
}  // namespace impasto::testing
