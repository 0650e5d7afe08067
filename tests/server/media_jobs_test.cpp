// Video and audio jobs in the studio, over loopback HTTP: uploads recognised by content and checked
// against the limits, a clip painted frame by frame (events per frame, the mp4 decodes back), a
// sound made from a tone (the WAV decodes back).
#include <httplib.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "audio/audio_io.h"
#include "impasto/audio.h"
#include "impasto/video.h"
#include "server/serve.h"
#include "server/server_fixtures.h"
#include "test_support.h"
#include "video/test_clips.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// An MJPEG AVI of `frames` frames of a camera panning over a texture.
std::string avi_clip(const fs::path& dir, int frames, cv::Size size = {48, 32}) {
  const fs::path file = dir / ("clip" + std::to_string(frames) + ".avi");
  cv::VideoWriter writer(file.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, size);
  EXPECT_TRUE(writer.isOpened());
  const cv::Mat scene = texture(160);
  for (int i = 0; i < frames; ++i) writer.write(view(scene, 10 + 2 * i, 20, size));
  writer.release();
  return read_bytes(file);
}

std::string tone_wav(const fs::path& dir, double seconds) {
  write_tone(dir / "tone.wav", seconds, 16000);
  return read_bytes(dir / "tone.wav");
}

// A page's event stream, kept as text.
class EventRecorder {
 public:
  explicit EventRecorder(int port) : http_("127.0.0.1", port) {
    http_.set_read_timeout(120);
    thread_ = std::thread([this] {
      http_.Get("/api/events", [this](const char* data, size_t size) {
        std::lock_guard lock(mutex_);
        text_.append(data, size);
        return true;
      });
    });
  }
  ~EventRecorder() {
    http_.stop();
    thread_.join();
  }
  // The data of every event of this name, in order.
  std::vector<json> events(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::vector<json> found;
    static const std::regex frame("event: ([a-z]+)\ndata: ([^\n]*)\n\n");
    for (std::sregex_iterator it(text_.begin(), text_.end(), frame), end; it != end; ++it)
      if ((*it)[1] == name) found.push_back(json::parse((*it)[2].str()));
    return found;
  }

 private:
  httplib::Client http_;
  std::thread thread_;
  std::mutex mutex_;
  std::string text_;
};

class StudioMedia : public ::testing::Test {
 protected:
  void start(server::ServeOptions options = {}) {
    options.port = 0;
    options.output_dir = (dir / "results").string();
    options.threads = 2;
    server = std::make_unique<server::StudioServer>(options);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(60);
  }
  void stop() {
    if (server) server->stop();
    if (thread.joinable()) thread.join();
    server.reset();
  }
  void TearDown() override { stop(); }
  httplib::Result upload(const std::string& route, const std::string& bytes, const std::string& name) {
    return client->Post(route.c_str(), {{"X-Impasto", "1"}, {"X-Filename", name}}, bytes, "application/octet-stream");
  }
  json uploaded(const std::string& route, const std::string& bytes, const std::string& name) {
    auto res = upload(route, bytes, name);
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
    return res && res->status == 201 ? json::parse(res->body) : json::object();
  }
  httplib::Result post_job(const json& body) {
    return client->Post("/api/jobs", {{"X-Impasto", "1"}}, body.dump(), "application/json");
  }
  json jobs() { return json::parse(client->Get("/api/jobs")->body)["jobs"]; }
  json finished_job(double seconds = 120) {
    EXPECT_TRUE(eventually([&] { return jobs()[0]["status"] != "queued" && jobs()[0]["status"] != "running"; }, seconds));
    return jobs()[0];
  }
  static std::string error_of(const httplib::Result& res) {
    return res ? json::parse(res->body, nullptr, false).value("error", std::string("(no error field)")) : "no response";
  }

  TempDir dir;
  std::unique_ptr<server::StudioServer> server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
  int port = 0;
};

TEST_F(StudioMedia, ClipsAreRecognisedByTheirContentAndCheckedAgainstTheLimits) {
  server::ServeOptions options;
  options.max_clip_frames = 5;
  options.max_frame_pixels = 48 * 32;
  start(options);
  const json clip = uploaded("/api/videos", avi_clip(dir.path(), 4), "holiday.txt");  // the name says nothing
  EXPECT_EQ(clip["format"], "AVI");
  EXPECT_EQ(clip["frames"], 4);
  EXPECT_EQ(clip["width"], 48);
  EXPECT_EQ(clip["height"], 32);
  EXPECT_NEAR(clip["seconds"].get<double>(), 0.4, 1e-6);

  auto too_long = upload("/api/videos", avi_clip(dir.path(), 7), "long.avi");
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 400);
  EXPECT_EQ(error_of(too_long), "the clip is too long: the limit is 5 frames (0.5 s at its 10 fps); trim it");
  auto too_big = upload("/api/videos", avi_clip(dir.path(), 2, {64, 32}), "wide.avi");
  EXPECT_EQ(error_of(too_big), "the clip's frames are 64 x 32 pixels (0.00205 megapixels); the limit is 0.00154 megapixels");
  auto image = upload("/api/videos", encoded_image(20, 20), "frame.mp4");
  EXPECT_EQ(image->status, 400);
  EXPECT_EQ(error_of(image), "unsupported file type: choose an MP4, MOV, AVI, MKV or WebM video clip");
  std::string damaged = avi_clip(dir.path(), 4);
  damaged.resize(200);
  EXPECT_EQ(error_of(upload("/api/videos", damaged, "cut.avi")),
            "the AVI file is damaged or uses a codec this build cannot decode");
  // A clip is not an image, and an image id is not a clip.
  EXPECT_EQ(error_of(upload("/api/images", avi_clip(dir.path(), 4), "clip.png")),
            "unsupported file type: choose a PNG, JPEG, WebP or BMP image");
  const json photo = uploaded("/api/images", encoded_image(20, 20), "photo.png");
  auto wrong = post_job({{"kind", "video"}, {"content", photo["id"]}, {"styles", {{{"image", photo["id"]}}}}});
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(error_of(wrong), "the video clip must be a video file");
  EXPECT_EQ(error_of(post_job({{"kind", "film"}})), "the kind of job must be \"image\", \"video\" or \"audio\"");
}

TEST_F(StudioMedia, SoundsAreRecognisedByTheirContentAndCheckedAgainstTheLimits) {
  server::ServeOptions options;
  options.max_sound_seconds = 1.5;
  start(options);
  const json sound = uploaded("/api/sounds", tone_wav(dir.path(), 1.0), "song.mp4");
  EXPECT_EQ(sound["format"], "WAV");
  EXPECT_NEAR(sound["seconds"].get<double>(), 1.0, 1e-3);
  EXPECT_EQ(error_of(upload("/api/sounds", tone_wav(dir.path(), 2.0), "long.wav")),
            "the sound is too long: 2.0 s; the limit is 1.5 s");
  EXPECT_EQ(error_of(upload("/api/sounds", encoded_image(20, 20), "beep.wav")),
            "unsupported file type: choose a WAV, FLAC, Ogg or MP3 sound");
  std::string damaged = tone_wav(dir.path(), 1.0);
  damaged.replace(12, 4, "junk");  // no "fmt " chunk where it belongs
  const auto refused = upload("/api/sounds", damaged, "broken.wav");
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(error_of(refused).rfind("the WAV file: ", 0), 0u) << error_of(refused);
  auto longer = post_job({{"kind", "audio"}, {"style", sound["id"]}, {"duration", 2}});
  EXPECT_EQ(error_of(longer), "the duration (seconds) must be between 0 and 1.5");
  EXPECT_EQ(error_of(post_job({{"kind", "audio"}})), "choose a style sound");
}

TEST_F(StudioMedia, AVideoJobShowsEveryFrameAndItsMp4DecodesBack) {
  if (!fs::exists(squeezenet_file())) GTEST_SKIP() << "no SqueezeNet weights";
  start();
  EventRecorder page(port);
  const json clip = uploaded("/api/videos", avi_clip(dir.path(), 4), "pan.avi");
  const json style = uploaded("/api/images", encoded_image(32, 32), "stripes.png");
  json request{{"kind", "video"},       {"content", clip["id"]}, {"styles", {{{"image", style["id"]}}}},
               {"size", 48},            {"iterations", 3},       {"frame_iterations", 2}};
  request["max_frames"] = 5;
  EXPECT_EQ(error_of(post_job(request)), "the number of frames must be between 1 and 4");
  request.erase("max_frames");
  auto res = post_job(request);
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "");
  const json job = finished_job();
  ASSERT_EQ(job["status"], "done") << job.dump();
  EXPECT_EQ(job["kind"], "video");
  EXPECT_EQ(job["title"], "pan in the style of stripes");
  EXPECT_EQ(job["result"]["frames"], 4);
  EXPECT_EQ(job["result"]["width"], 48);

  // One "frame" event per painted frame, in order, each with a preview of it.
  ASSERT_TRUE(eventually([&] { return page.events("frame").size() == 4; }));
  const auto frames = page.events("frame");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(frames[i]["frame"], i + 1);
    EXPECT_EQ(frames[i]["frames"], 4);
  }
  EXPECT_GE(page.events("preview").size(), 4u);
  const auto progress = page.events("progress");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front()["frame"], 1);
  EXPECT_EQ(progress.back()["frame"], 4);
  auto frame = client->Get("/api/jobs/1/frames/4.png");
  ASSERT_TRUE(frame && frame->status == 200);
  const cv::Mat picture = cv::imdecode(cv::Mat(1, static_cast<int>(frame->body.size()), CV_8UC1, const_cast<char*>(frame->body.data())),
                                       cv::IMREAD_COLOR);
  EXPECT_EQ(picture.cols, 48);
  EXPECT_EQ(picture.rows, 32);
  EXPECT_EQ(client->Get("/api/jobs/1/frames/5.png")->status, 404);

  auto mp4 = client->Get("/api/jobs/1/result.mp4?download=1");
  ASSERT_TRUE(mp4 && mp4->status == 200);
  EXPECT_EQ(mp4->get_header_value("Content-Type"), "video/mp4");
  EXPECT_NE(mp4->get_header_value("Content-Disposition").find(".mp4\""), std::string::npos);
  EXPECT_EQ(client->Get("/api/jobs/1/result.png")->status, 404);
  write_bytes(dir / "downloaded.mp4", mp4->body);
  cv::VideoCapture back((dir / "downloaded.mp4").string(), cv::CAP_FFMPEG);
  ASSERT_TRUE(back.isOpened());
  int count = 0;
  for (cv::Mat f; back.read(f); ++count) EXPECT_EQ(f.cols, 48);
  EXPECT_EQ(count, 4);

  // A studio started again on the same results still lists the clip (checked whole) and its frames.
  stop();
  start();
  const json again = jobs()[0];
  EXPECT_EQ(again["kind"], "video");
  EXPECT_EQ(again["status"], "done") << again.dump();
  EXPECT_EQ(again["result"]["url"], "/api/jobs/1/result.mp4");
  EXPECT_EQ(client->Get("/api/jobs/1/frames/4.png")->body, frame->body);
}

TEST_F(StudioMedia, AnAudioJobMakesAWavThatDecodesAndOutlivesTheServer) {
  start();
  EventRecorder page(port);
  const json sound = uploaded("/api/sounds", tone_wav(dir.path(), 0.5), "tone.wav");
  auto res = post_job({{"kind", "audio"}, {"style", sound["id"]}, {"iterations", 3}});
  ASSERT_TRUE(res && res->status == 201) << (res ? res->body : "");
  const json job = finished_job();
  ASSERT_EQ(job["status"], "done") << job.dump();
  EXPECT_EQ(job["kind"], "audio");
  EXPECT_EQ(job["title"], "Texture from tone");
  EXPECT_EQ(job["iterations"], 3);
  EXPECT_FALSE(job.contains("model"));
  EXPECT_NEAR(job["result"]["seconds"].get<double>(), 0.5, 0.05);
  ASSERT_TRUE(eventually([&] { return page.events("progress").size() >= 3; }));
  EXPECT_EQ(page.events("progress").back()["planned"], 3);
  EXPECT_FALSE(page.events("preview").empty());  // the spectrogram
  EXPECT_EQ(client->Get("/api/jobs/1/preview.png")->status, 404);  // dropped with the finished job

  auto wav = client->Get("/api/jobs/1/result.wav");
  ASSERT_TRUE(wav && wav->status == 200);
  EXPECT_EQ(wav->get_header_value("Content-Type"), "audio/wav");
  write_bytes(dir / "made.wav", wav->body);
  const AudioClip made = load_audio((dir / "made.wav").string(), "made sound");
  EXPECT_EQ(made.sample_rate, AudioOptions{}.sample_rate);
  EXPECT_NEAR(made.seconds(), 0.5, 0.05);
  EXPECT_GT(made.samples.abs().max().item<double>(), 0.01);

  // A studio started again on the same results lists the sound, still whole.
  stop();
  start();
  const json again = jobs()[0];
  EXPECT_EQ(again["kind"], "audio");
  EXPECT_EQ(again["status"], "done");
  EXPECT_EQ(again["result"]["url"], "/api/jobs/1/result.wav");
  EXPECT_EQ(client->Get("/api/jobs/1/result.wav")->body, wav->body);
}

// The queue stops a video through VideoCallbacks::cancelled (run_video throws RunCancelled when it
// returns true) and removes the frames of the cancelled clip.
TEST(StudioMediaQueue, CancellingAVideoJobStopsItAndRemovesItsFrames) {
  TempDir dir;
  server::EventLog events;
  server::MediaRunners media;
  media.video = [&](const VideoOptions& o, const VideoCallbacks& c) -> VideoResult {
    fs::create_directories(o.frames_dir);
    cv::imwrite((fs::path(o.frames_dir) / "frame_00001.png").string(), cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(90)));
    FrameRecord first;
    first.frame = 1;
    c.on_frame(first, 3);
    for (int i = 1;; ++i) {
      c.on_iteration(2, 3, i, 1000000);
      if (c.cancelled && c.cancelled()) throw RunCancelled();  // as run_video does
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  server::JobQueue queue(dir / "results", events, [](const Options&, const RunCallbacks&) { return RunResult{}; }, media);
  server::JobSpec spec;
  spec.kind = server::JobKind::video;
  spec.title = "clip";
  const int id = queue.submit(spec);
  ASSERT_TRUE(eventually([&] { return queue.snapshot()["jobs"][0].value("frames_done", 0) == 1; }));
  const auto frame = queue.frame_file(id, 1);
  ASSERT_TRUE(frame && fs::exists(*frame));
  EXPECT_EQ(cv::imread(frame->string()).cols, 8);
  EXPECT_FALSE(queue.frame_file(id, 2));
  EXPECT_TRUE(queue.preview_png(id));  // the frame is the job's preview
  ASSERT_TRUE(queue.cancel(id));
  ASSERT_TRUE(eventually([&] { return queue.snapshot()["jobs"][0]["status"] == "cancelled"; }));
  EXPECT_FALSE(fs::exists(frame->parent_path()));
  EXPECT_FALSE(queue.frame_file(id, 1));
  for (const auto& entry : fs::directory_iterator(dir / "results"))
    EXPECT_EQ(entry.path().filename(), ".impasto-studio-jobs.json");
}

}  // namespace
}  // namespace impasto::testing
