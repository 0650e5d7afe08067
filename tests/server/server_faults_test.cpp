// `impasto serve` as a separate process, on loopback, under faults: killed mid-job, a full disk,
// and a crowd of connections. Each test is bounded in count and time.
#include <httplib.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "server/serve_process.h"
#include "server/server_fixtures.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServeFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file())) GTEST_SKIP() << "no SqueezeNet weights in ../shared";
  }
  std::string arguments() const {
    return "--output-dir '" + (dir / "results").string() + "' --model-dir '" + (shared_dir() / "models").string() +
           "' --threads 1";
  }
  static httplib::Client client_for(const ServeProcess& server) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(60);
    return client;
  }
  static std::string upload(httplib::Client& client, const std::string& bytes) {
    auto res = client.Post("/api/images", {{"X-Impasto", "1"}}, bytes, "image/png");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
    return res && res->status == 201 ? json::parse(res->body)["id"].get<std::string>() : "";
  }
  static int submit(httplib::Client& client, int size, int iterations) {
    const json request{{"content", upload(client, encoded_image(80, 40))},
                       {"styles", {{{"image", upload(client, encoded_image(40, 40))}, {"weight", 1}}}},
                       {"model", "squeezenet"},
                       {"size", size},
                       {"iterations", iterations}};
    auto res = client.Post("/api/jobs", {{"X-Impasto", "1"}}, request.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
    return res && res->status == 201 ? json::parse(res->body)["id"].get<int>() : 0;
  }
  static json job(httplib::Client& client, int id) {
    auto res = client.Get("/api/jobs");
    if (!res) return json::object();
    const json all = json::parse(res->body);
    for (const auto& j : all["jobs"])
      if (j["id"] == id) return j;
    return json::object();
  }
  std::vector<std::string> files_in_results() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir / "results")) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  TempDir dir;
};

// kill -9 while a job runs, then a new server on the same output folder: the finished result is
// listed and intact, the running job is reported lost, and no partial file is left.
TEST_F(ServeFaults, KilledDuringAJobThenRestarted) {
  std::string finished_file;
  {
    ServeProcess server(arguments());
    ASSERT_GT(server.port(), 0) << "the server did not start";
    auto client = client_for(server);
    const int first = submit(client, 64, 2);
    ASSERT_TRUE(eventually([&] { return job(client, first)["status"] == "done"; }, 120)) << job(client, first);
    finished_file = job(client, first)["result"]["file"];
    const int second = submit(client, 64, 2000);
    ASSERT_TRUE(eventually([&] { return job(client, second).value("iteration", 0) >= 1; }, 120));
    const int status = server.kill(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }
  ServeProcess restarted(arguments());
  ASSERT_GT(restarted.port(), 0);
  auto client = client_for(restarted);
  const json done = job(client, 1), lost = job(client, 2);
  EXPECT_EQ(done["status"], "done") << done;
  EXPECT_EQ(done["result"]["file"], finished_file);
  auto image = client.Get("/api/jobs/1/result.png");
  ASSERT_TRUE(image && image->status == 200);
  const cv::Mat decoded = cv::imdecode(std::vector<uchar>(image->body.begin(), image->body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.cols, 64);
  EXPECT_EQ(lost["status"], "failed") << lost;
  EXPECT_EQ(lost["error"], "lost: the studio stopped while this job was running; submit it again");
  EXPECT_EQ(files_in_results(), (std::vector<std::string>{".impasto-studio-jobs.json", finished_file}));
}

// The result cannot be written (files are capped at 32 KiB, as a nearly full disk would cut them):
// the job fails with the reason, nothing is served, no partial file stays, the server goes on.
TEST_F(ServeFaults, AResultThatCannotBeWrittenFailsTheJob) {
  ServeProcess server(arguments(), "trap '' XFSZ; ulimit -f 64;");  // sh counts 512-byte blocks
  ASSERT_GT(server.port(), 0) << "the server did not start";
  auto client = client_for(server);
  const int id = submit(client, 384, 2);  // a PNG well over 32 KiB; the uploads are under it
  ASSERT_TRUE(eventually([&] { return job(client, id)["status"] == "failed" || job(client, id)["status"] == "done"; },
                         120));
  const json j = job(client, id);
  EXPECT_EQ(j["status"], "failed") << j;
  EXPECT_NE(j.value("error", "").find("cannot write"), std::string::npos) << j;
  EXPECT_EQ(client.Get("/api/jobs/" + std::to_string(id) + "/result.png")->status, 404);
  for (const auto& name : files_in_results()) EXPECT_EQ(fs::path(name).extension(), ".json") << name;
  EXPECT_EQ(client.Get("/api/config")->status, 200);
}

// Resident memory after a crowd (100 event streams that connect and drop, 50 concurrent 1 MB
// uploads, a job cancelled mid-run) stays near its level after the same crowd once before: the
// first crowd warms the allocator and loads the network; what a crowd holds is given back after.
TEST_F(ServeFaults, MemoryReturnsAfterACrowd) {
  ServeProcess server(arguments());
  ASSERT_GT(server.port(), 0) << "the server did not start";
  const std::string big = encoded_image(600, 600);  // about 1 MB of noise
  auto crowd = [&] {
    std::vector<std::thread> threads;
    for (int i = 0; i < 100; ++i)
      threads.emplace_back([&] {
        httplib::Client page("127.0.0.1", server.port());
        page.set_read_timeout(30);
        page.Get("/api/events", [](const char*, size_t) { return false; });  // drop after the first bytes
      });
    for (auto& t : threads) t.join();
    threads.clear();
    std::atomic<int> accepted{0};
    for (int i = 0; i < 50; ++i)
      threads.emplace_back([&] {
        httplib::Client own("127.0.0.1", server.port());
        own.set_read_timeout(60);
        auto res = own.Post("/api/images", {{"X-Impasto", "1"}}, big, "image/png");
        accepted += res && res->status == 201;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted, 50);
    auto client = client_for(server);
    const int id = submit(client, 64, 2000);
    EXPECT_TRUE(eventually([&] { return job(client, id).value("iteration", 0) >= 1; }, 120));
    EXPECT_EQ(client.Post("/api/jobs/" + std::to_string(id) + "/cancel", {{"X-Impasto", "1"}}, "", "text/plain")->status,
              200);
    EXPECT_TRUE(eventually([&] { return job(client, id)["status"] == "cancelled"; }, 60));
    EXPECT_EQ(client.Get("/api/config")->status, 200);
  };
  const long at_start = server.rss_kib();
  crowd();
  const long after_first = server.rss_kib();
  crowd();
  const long after_second = server.rss_kib();
  std::printf("[ rss      ] at start %ld KiB, after one crowd %ld KiB, after two %ld KiB\n", at_start, after_first,
              after_second);
  // Each crowd moves 50 MB of uploads and a network through the server; a leak of either shows.
  EXPECT_LT(after_second - after_first, 30 * 1024) << "resident memory grew by " << (after_second - after_first) << " KiB";
}

}  // namespace
}  // namespace impasto::testing
