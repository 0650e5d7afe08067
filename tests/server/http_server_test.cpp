// The studio's HTTP API, served in-process on an ephemeral port, driven with httplib's client.
#include <httplib.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <atomic>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "impasto/errors.h"
#include "server/serve.h"
#include "server/server_fixtures.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A page's event stream: opened on construction, dropped (the connection shut) on destruction.
class EventStreamClient {
 public:
  explicit EventStreamClient(int port) : http_("127.0.0.1", port) {
    http_.set_read_timeout(60);
    thread_ = std::thread([this] {
      http_.Get(
          "/api/events", [this](const httplib::Response& res) { return (status = res.status) == 200; },
          [this](const char*, size_t) {
            opened = true;
            return true;
          });
    });
  }
  ~EventStreamClient() {
    http_.stop();
    thread_.join();
  }
  std::atomic<bool> opened{false};
  std::atomic<int> status{0};

 private:
  httplib::Client http_;
  std::thread thread_;
};

bool all_opened(const std::vector<std::unique_ptr<EventStreamClient>>& pages) {
  for (const auto& page : pages)
    if (!page->opened) return false;
  return true;
}

class ServeHttp : public ::testing::Test {
 protected:
  void start(server::ServeOptions options = {}, bool fake = true) {
    options.port = 0;
    options.output_dir = (dir / "results").string();
    if (fake)
      server = std::make_unique<server::StudioServer>(
          options, [this](const Options& o, const RunCallbacks& c) { return runner(o, c); });
    else
      server = std::make_unique<server::StudioServer>(options);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(30);
  }
  void TearDown() override {
    if (server) server->stop();
    if (thread.joinable()) thread.join();
  }
  httplib::Result upload(const std::string& bytes, const std::string& name = "photo.png") {
    return client->Post("/api/images", {{"X-Impasto", "1"}, {"X-Filename", name}}, bytes, "image/png");
  }
  httplib::Result post_json(const std::string& path, const json& body) {
    return client->Post(path.c_str(), {{"X-Impasto", "1"}}, body.dump(), "application/json");
  }
  std::string upload_id(const std::string& bytes) {
    auto res = upload(bytes);
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
    return res ? json::parse(res->body).value("id", "") : "";
  }
  json job_request(int size = 64, int iterations = 6) {
    return {{"content", upload_id(encoded_image(80, 40))},
            {"styles", {{{"image", upload_id(encoded_image(30, 30))}, {"weight", 1}}}},
            {"model", "squeezenet"},
            {"size", size},
            {"iterations", iterations}};
  }
  json jobs() { return json::parse(client->Get("/api/jobs")->body)["jobs"]; }
  int open_streams() {
    auto res = client->Get("/api/config");
    return res ? json::parse(res->body)["event_streams"].value("open", -1) : -1;
  }
  static std::string error_of(const httplib::Result& res) {
    return res ? json::parse(res->body, nullptr, false).value("error", std::string("(no error field)")) : "no response";
  }
  bool shared_squeezenet() const { return fs::exists(squeezenet_file()); }

  TempDir dir;
  FakeRunner runner;
  std::unique_ptr<server::StudioServer> server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
  int port = 0;
};

TEST_F(ServeHttp, ServesThePageAndItsConfiguration) {
  start();
  auto page = client->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<canvas"), std::string::npos);
  auto config = client->Get("/api/config");
  ASSERT_TRUE(config && config->status == 200);
  const json j = json::parse(config->body);
  EXPECT_EQ(j["limits"]["max_size"], 1024);
  EXPECT_EQ(j["models"][0]["name"], "squeezenet");
  EXPECT_EQ(j["preserve_colors"], json({"luminance", "histogram"}));
  EXPECT_EQ(j["modes"], json({"stylize", "texture"}));
  // The page starts from the command line's defaults.
  const Options defaults;
  EXPECT_EQ(j["defaults"]["iterations"], defaults.iterations);
  EXPECT_EQ(j["defaults"]["size"], defaults.size);
  EXPECT_EQ(j["defaults"]["style_weight"], defaults.style_weight);
}

TEST_F(ServeHttp, AJobLeavingOutIterationsAndSizeGetsTheCommandLineDefaults) {
  if (!shared_squeezenet()) GTEST_SKIP() << "no SqueezeNet weights (the request checks they are installed)";
  start();
  json request = job_request();
  request.erase("iterations");
  request.erase("size");
  auto res = post_json("/api/jobs", request);
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
  ASSERT_TRUE(eventually([&] { return jobs()[0]["status"] == "done"; }));
  const Options defaults;
  EXPECT_EQ(runner.last_options().iterations, defaults.iterations);
  EXPECT_EQ(runner.last_options().size, std::min(defaults.size, 1024));
}

TEST_F(ServeHttp, ATextureJobNeedsNoPhotoAndIgnoresOne) {
  if (!shared_squeezenet()) GTEST_SKIP() << "no SqueezeNet weights (the request checks they are installed)";
  start();
  json request = job_request();
  request["mode"] = "texture";
  auto res = post_json("/api/jobs", request);
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
  ASSERT_TRUE(eventually([&] { return jobs()[0]["status"] == "done"; }));
  EXPECT_EQ(runner.last_options().content, "");
  EXPECT_EQ(runner.last_options().init, "noise");
  EXPECT_EQ(jobs()[0]["title"].get<std::string>().rfind("Texture from ", 0), 0u) << jobs()[0]["title"];

  request.erase("content");
  res = post_json("/api/jobs", request);
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
  ASSERT_TRUE(eventually([&] { return jobs()[1]["status"] == "done"; }));
  EXPECT_EQ(runner.runs, 2);

  request["mode"] = "collage";
  EXPECT_EQ(error_of(post_json("/api/jobs", request)), "the mode must be \"stylize\" or \"texture\"");
  request["mode"] = "stylize";  // a photo is needed again
  EXPECT_EQ(error_of(post_json("/api/jobs", request)), "choose a content image");
  EXPECT_EQ(jobs().size(), 2u);
}

TEST_F(ServeHttp, OversizedUploadsAreRefusedWithAMessage) {
  server::ServeOptions options;
  options.max_upload_bytes = 50000;
  start(options);
  auto res = upload(encoded_image(400, 400));  // about 480 KB of noise
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_NE(error_of(res).find("too large"), std::string::npos) << res->body;
  EXPECT_EQ(upload(encoded_image(40, 40))->status, 201);  // and the server is still there
}

TEST_F(ServeHttp, HugeDeclaredDimensionsAreRefusedBeforeDecoding) {
  start();
  auto res = upload(png_header(100000, 100000));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(error_of(res).find("100000 x 100000 pixels"), std::string::npos) << res->body;
}

TEST_F(ServeHttp, CorruptAndNonImageUploadsGetReadableErrors) {
  start();
  auto corrupt = upload(std::string("\xFF\xD8\xFF\xE0 this is not a jpeg", 24), "broken.jpg");
  ASSERT_TRUE(corrupt);
  EXPECT_EQ(corrupt->status, 400);
  EXPECT_NE(error_of(corrupt).find("damaged"), std::string::npos) << corrupt->body;
  EXPECT_NE(error_of(upload("#!/bin/sh\nrm -rf /\n")).find("unsupported file type"), std::string::npos);
}

TEST_F(ServeHttp, PathLikeNamesNeverBecomePaths) {
  start();
  for (const char* name : {"../../etc/passwd", "..%2F..%2Fetc%2Fpasswd"}) {
    auto res = upload(encoded_image(40, 30), name);
    ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "");
    EXPECT_EQ(json::parse(res->body)["name"], "passwd");
  }
  // Ids and names that look like paths lead nowhere.
  for (const char* path : {"/../../etc/passwd", "/api/jobs/../../../etc/passwd", "/api/jobs/1/..%2F..%2F..%2Fetc%2Fpasswd",
                           "/%2e%2e/%2e%2e/etc/passwd", "/api/jobs/1/result.png/../../../../etc/passwd"}) {
    auto get = client->Get(path);
    ASSERT_TRUE(get) << path;
    EXPECT_EQ(get->status, 404) << path;
    EXPECT_EQ(get->body.find("root:"), std::string::npos) << path;
  }
  for (const char* id : {"../../etc/passwd", "/etc/passwd", "passwd"}) {
    auto job = post_json("/api/jobs", {{"content", id}, {"styles", {{{"image", id}}}}});
    ASSERT_TRUE(job);
    EXPECT_EQ(job->status, 400) << id;
    EXPECT_NE(error_of(job).find("no longer on the server"), std::string::npos) << job->body;
  }
  EXPECT_TRUE(jobs().empty());
  EXPECT_FALSE(fs::exists(dir / "etc"));
}

TEST_F(ServeHttp, RefusesForeignHostsAndCrossSitePosts) {
  start();
  auto foreign = client->Get("/api/config", {{"Host", "attacker.example:8080"}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  auto no_header = client->Post("/api/images", encoded_image(10, 10), "image/png");
  ASSERT_TRUE(no_header);
  EXPECT_EQ(no_header->status, 403);
  auto form = client->Post("/api/images", {{"X-Impasto", "1"}}, "a=b", "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
}

// DNS rebinding: a page on attacker.example, whose name the attacker then points at 127.0.0.1,
// sends its requests with its own name in Host. Only exact loopback names with the port pass.
TEST_F(ServeHttp, RefusesHostNamesThatOnlyLookLocal) {
  start();
  const std::string p = ":" + std::to_string(port);
  for (const std::string& host : std::vector<std::string>{"127.attacker.example" + p, "127.0.0.1.nip.io" + p,
                                                          "localhost.attacker.example" + p, "127.0.0.1:1" + p, "localhost"}) {
    auto res = client->Get("/api/jobs", {{"Host", host}});
    ASSERT_TRUE(res) << host;
    EXPECT_EQ(res->status, 403) << host;
    EXPECT_EQ(error_of(res), "this studio only answers to localhost" + p) << host;
  }
  for (const std::string& host : std::vector<std::string>{"localhost" + p, "127.0.0.1" + p, "[::1]" + p}) {
    auto res = client->Get("/api/jobs", {{"Host", host}});
    ASSERT_TRUE(res) << host;
    EXPECT_EQ(res->status, 200) << host;
  }
}

TEST_F(ServeHttp, ListensOnlyOnLoopbackUnlessAllowed) {
  server::ServeOptions options;
  options.host = "0.0.0.0";
  options.output_dir = (dir / "results").string();
  EXPECT_THROW(server::StudioServer{options}, InputError);
  EXPECT_TRUE(server::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(server::is_loopback_host("localhost"));
  EXPECT_FALSE(server::is_loopback_host("192.168.1.4"));
  options.host = "127.attacker.example";
  EXPECT_THROW(server::StudioServer{options}, InputError);
  options.host = "127.0.0.1";
  options.port = 99999;
  try {
    server::StudioServer refused(options);
    ADD_FAILURE() << "port 99999 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--port 99999 is not a TCP port (0 to 65535; 0: any free port)");
  }
}

// httplib's default SO_REUSEPORT let a second studio share the port and take half the requests.
// (This test once hung under load: it stops the server before its thread has begun listening,
// which httplib's stop() ignored; StudioServer::stop() now waits for the listen loop.)
TEST_F(ServeHttp, ASecondStudioCannotTakeTheSamePort) {
  start();
  server::ServeOptions options;
  options.port = port;
  options.output_dir = (dir / "second").string();
  server::StudioServer second(options);
  EXPECT_THROW(second.bind(), InputError);
}

// A chunked body has no declared length: httplib would buffer it whole, past any limit. It is
// refused from its headers, before the body is read, and the connection is closed.
// The race above, made likely: a server stopped right after its thread is started always stops.
TEST(ServeLifecycle, AServerStoppedBeforeItListensStillStops) {
  TempDir dir;
  for (int i = 0; i < 50; ++i) {
    server::ServeOptions options;
    options.port = 0;
    options.output_dir = (dir / "results").string();
    server::StudioServer studio(options, [](const Options&, const RunCallbacks&) { return RunResult{}; });
    studio.bind();
    std::thread thread([&] { studio.run(); });
    studio.stop();
    thread.join();  // hangs (ctest's timeout) if a stop is lost
  }
}

TEST_F(ServeHttp, ChunkedAndCompressedUploadsAreRefusedBeforeTheirBody) {
  server::ServeOptions options;
  options.max_upload_bytes = 1 << 20;
  start(options);
  const std::string chunk(64 << 10, 'x');
  size_t sent = 0;
  auto res = client->Post(
      "/api/images", {{"X-Impasto", "1"}},
      [&](size_t, httplib::DataSink& sink) {
        if (sent >= (size_t{256} << 20)) {
          sink.done();
          return true;
        }
        sent += chunk.size();
        return sink.write(chunk.data(), chunk.size());
      },
      "image/png");
  // The client may see the answer, or only the closed connection while it was still sending.
  if (res) {
    EXPECT_EQ(res->status, 411);
    EXPECT_NE(error_of(res).find("Content-Length"), std::string::npos) << res->body;
  }
  EXPECT_LT(sent, size_t{64} << 20) << "the server went on reading a refused body";
  httplib::Client again("127.0.0.1", port);
  auto gzip = again.Post("/api/images", {{"X-Impasto", "1"}, {"Content-Encoding", "gzip"}}, std::string(100, 'x'),
                         "image/png");
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->status, 415);
  EXPECT_EQ(again.Post("/api/images", {{"X-Impasto", "1"}}, encoded_image(40, 40), "image/png")->status, 201);
}

// Each open page holds an event stream. Streams have their own places (32); one more page is
// told why it is refused, and everything else is answered whatever the streams do.
TEST_F(ServeHttp, OpenEventStreamsLeaveEveryOtherRequestAnswering) {
  start();
  std::vector<std::unique_ptr<EventStreamClient>> pages;
  for (int i = 0; i < 32; ++i) pages.push_back(std::make_unique<EventStreamClient>(port));
  ASSERT_TRUE(eventually([&] { return all_opened(pages); }, 60));
  client->set_read_timeout(20);
  auto config = client->Get("/api/config");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->status, 200);
  EXPECT_EQ(upload(encoded_image(40, 40))->status, 201);
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int i = 0; i < 16; ++i)
    callers.emplace_back([&] {
      httplib::Client own("127.0.0.1", port);
      own.set_read_timeout(20);
      auto res = own.Get("/api/jobs");
      answered += res && res->status == 200;
    });
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(answered, 16);

  auto refused = client->Get("/api/events");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(error_of(refused), "too many open studio pages (32); close some and reload this one");
  EXPECT_EQ(refused->get_header_value("Retry-After"), "10");

  EXPECT_EQ(open_streams(), 32);
  pages.pop_back();  // a closed tab gives its place back
  EXPECT_TRUE(eventually([&] { return open_streams() == 31; }, 20));
  pages.push_back(std::make_unique<EventStreamClient>(port));
  EXPECT_TRUE(eventually([&] { return pages.back()->opened.load(); }, 20));
}

// Pages that connect and drop at once must not keep their places: after 100 of them every
// stream is given back, and requests are answered throughout.
TEST_F(ServeHttp, ManyEventClientsConnectingAndDroppingFreeTheirPlaces) {
  start();
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(eventually([&] { return open_streams() <= 10; }, 20)) << "round " << round;
    std::vector<std::unique_ptr<EventStreamClient>> pages;
    for (int i = 0; i < 10; ++i) pages.push_back(std::make_unique<EventStreamClient>(port));
    ASSERT_TRUE(eventually([&] { return all_opened(pages); }, 60)) << "round " << round;
    ASSERT_EQ(client->Get("/api/jobs")->status, 200);
  }  // each round's pages drop here
  EXPECT_TRUE(eventually([&] { return open_streams() == 0; }, 20)) << open_streams();
  std::vector<std::unique_ptr<EventStreamClient>> pages;
  for (int i = 0; i < 32; ++i) pages.push_back(std::make_unique<EventStreamClient>(port));
  EXPECT_TRUE(eventually([&] { return all_opened(pages); }, 60));
}

// 50 uploads at once: none is reset by a full listen queue or refused.
TEST_F(ServeHttp, ABurstOfConcurrentUploadsIsAllAccepted) {
  start();
  const std::string image = encoded_image(100, 100);
  std::atomic<int> accepted{0}, ready{0};
  std::vector<std::thread> uploaders;
  for (int i = 0; i < 50; ++i)
    uploaders.emplace_back([&] {
      httplib::Client own("127.0.0.1", port);
      own.set_read_timeout(60);
      own.set_connection_timeout(60);
      ++ready;
      while (ready < 50) std::this_thread::yield();
      auto res = own.Post("/api/images", {{"X-Impasto", "1"}}, image, "image/png");
      accepted += res && res->status == 201;
    });
  for (auto& uploader : uploaders) uploader.join();
  EXPECT_EQ(accepted, 50);
}

TEST_F(ServeHttp, BadJobRequestsAreExplained) {
  start();
  json request = job_request();
  request["size"] = 5000;
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("the size must be between 32 and 1024"), std::string::npos);
  request["size"] = 64;
  request["model"] = "alexnet";
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("unknown network 'alexnet'"), std::string::npos);
  request["model"] = "squeezenet";
  request["preserve_colors"] = "sepia";
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("must be luminance or histogram, got 'sepia'"), std::string::npos);
  request.erase("preserve_colors");
  request["post"] = {"sharpen:0.5", "blur"};
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("unknown filter 'blur'"), std::string::npos);
  request["post"] = "sharpen";
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("finishing filters (post) must be a list"), std::string::npos);
  request.erase("post");
  request["model"] = "vgg16";  // no VGG-16 weights are installed
  EXPECT_NE(error_of(post_json("/api/jobs", request)).find("no weights for vgg16"), std::string::npos);
  auto garbage = client->Post("/api/jobs", {{"X-Impasto", "1"}}, "{not json", "application/json");
  EXPECT_EQ(garbage->status, 400);
  EXPECT_TRUE(jobs().empty());
}

TEST_F(ServeHttp, AJobStreamsProgressAndPreviewsAndItsResultCanBeDownloaded) {
  if (!shared_squeezenet()) GTEST_SKIP() << "no SqueezeNet weights (the request checks they are installed)";
  start();
  std::string stream;
  std::thread listener([&] {
    httplib::Client events("127.0.0.1", port);
    events.Get("/api/events", [&](const char* data, size_t length) {
      stream.append(data, length);
      return stream.find("\"status\":\"done\"") == std::string::npos;
    });
  });
  ASSERT_TRUE(eventually([&] { return !stream.empty(); }));  // subscribed before the job starts
  auto res = post_json("/api/jobs", job_request(64, 6));
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "");
  const int id = json::parse(res->body)["id"];
  listener.join();
  EXPECT_NE(stream.find("event: state"), std::string::npos);
  EXPECT_NE(stream.find("event: progress\ndata: {\"id\":" + std::to_string(id)), std::string::npos) << stream;
  EXPECT_NE(stream.find("event: preview"), std::string::npos);

  auto download = client->Get("/api/jobs/" + std::to_string(id) + "/result.png?download=1");
  ASSERT_TRUE(download && download->status == 200);
  EXPECT_NE(download->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  cv::Mat image = cv::imdecode(std::vector<uchar>(download->body.begin(), download->body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(image.cols, 64);
  EXPECT_EQ(image.rows, 32);
  std::vector<std::string> images;
  for (const auto& entry : fs::directory_iterator(dir / "results"))
    if (entry.path().extension() == ".png") images.push_back(entry.path().filename().string());
  EXPECT_EQ(images, std::vector<std::string>{json::parse(client->Get("/api/jobs")->body)["jobs"][0]["result"]["file"]});
}

TEST_F(ServeHttp, CancellingARunningJobOverHttp) {
  if (!shared_squeezenet()) GTEST_SKIP() << "no SqueezeNet weights (the request checks they are installed)";
  runner.hold = true;
  start();
  auto res = post_json("/api/jobs", job_request());
  ASSERT_TRUE(res && res->status == 201);
  ASSERT_TRUE(eventually([&] { return jobs()[0]["status"] == "running"; }));
  EXPECT_EQ(post_json("/api/jobs/1/cancel", json::object())->status, 200);
  ASSERT_TRUE(eventually([&] { return jobs()[0]["status"] == "cancelled"; }));
  EXPECT_EQ(post_json("/api/jobs/1/cancel", json::object())->status, 409);
  EXPECT_EQ(client->Get("/api/jobs/1/result.png")->status, 404);
}

TEST_F(ServeHttp, RealSqueezeNetJobWritesTheResult) {
  if (!shared_squeezenet()) GTEST_SKIP() << "no SqueezeNet weights";
  start({}, /*fake=*/false);
  json request = job_request(128, 3);
  request["preserve_colors"] = "luminance";
  auto res = post_json("/api/jobs", request);
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "");
  ASSERT_TRUE(eventually([&] { return jobs()[0]["status"] != "queued" && jobs()[0]["status"] != "running"; }, 120));
  const json job = jobs()[0];
  ASSERT_EQ(job["status"], "done") << job.dump();
  EXPECT_EQ(job["result"]["width"], 128);
  EXPECT_EQ(job["result"]["height"], 64);
  EXPECT_EQ(cv::imread((dir / "results" / job["result"]["file"].get<std::string>()).string()).cols, 128);
}

}  // namespace
}  // namespace impasto::testing
