// `impasto video` end to end on small clips the test makes: a camera panning over a photo.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "test_support.h"
#include "video/test_clips.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class VideoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present: " << squeezenet_file();
    const cv::Mat photo = cv::imread(shared_image("tubingen.jpg").string());
    fs::create_directories(dir / "clip");
    for (int i = 0; i < 4; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%04d.png", i);
      cv::imwrite((dir / "clip" / name).string(), panning_frame(photo, i, cv::Size(64, 48)));
    }
    fs::create_directories(dir / "out");
  }
  std::string video(const std::string& extra) const {
    return "video --content " + q(dir / "clip") + " --style " + q(shared_image("starry_night.jpg")) +
           " --model-file " + q(squeezenet_file()) + " --size 64 --iterations 6 --frame-iterations 3 --threads 1 " +
           extra;
  }
  nlohmann::json read_json(const fs::path& path) const {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  int frames_in(const fs::path& mp4) const {
    cv::VideoCapture capture(mp4.string());
    int frames = 0;
    for (cv::Mat frame; capture.read(frame);) ++frames;
    return frames;
  }
  TempDir dir;
};

TEST_F(VideoCli, PaintsEveryFrameAndReportsFlicker) {
  const auto result = run_impasto(video("--output " + q(dir / "out" / "clip.mp4") + " --report " +
                                        q(dir / "out" / "clip.json") + " --frames-dir " + q(dir / "frames")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(frames_in(dir / "out" / "clip.mp4"), 4);
  for (int i = 1; i <= 4; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%05d.png", i);
    const cv::Mat frame = cv::imread((dir / "frames" / name).string());
    ASSERT_FALSE(frame.empty()) << name;
    EXPECT_EQ(frame.cols, 64);
    EXPECT_EQ(frame.rows, 48);
  }
  const auto report = read_json(dir / "out" / "clip.json");
  ASSERT_EQ(report["frames"].size(), 4u);
  EXPECT_EQ(report["frames"][0]["iterations"], 6);
  EXPECT_EQ(report["frames"][1]["iterations"], 3);
  EXPECT_TRUE(report["frames"][1]["losses"].contains("temporal")) << report["frames"][1];
  EXPECT_FALSE(report["frames"][0]["losses"].contains("temporal"));
  EXPECT_GT(report["mean"]["warp_error"].get<double>(), 0);
  EXPECT_GT(report["input_warp_error"].get<double>(), 0);
  EXPECT_LT(report["input_warp_error"].get<double>(), report["mean"]["warp_error"].get<double>());
}

TEST_F(VideoCli, ACutToAnotherShotIsPaintedAsAFirstFrame) {
  cv::imwrite((dir / "clip" / "frame_0000.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, 0, 0)));
  const auto result = run_impasto(video("--output " + q(dir / "out" / "clip.mp4") + " --report " +
                                        q(dir / "out" / "clip.json")));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto frames = read_json(dir / "out" / "clip.json")["frames"];
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_TRUE(frames[1]["scene_cut"].get<bool>()) << frames[1];
  EXPECT_EQ(frames[1]["iterations"], 6);  // --iterations, as the clip's first frame
  EXPECT_FALSE(frames[1]["losses"].contains("temporal"));
  EXPECT_FALSE(frames[2]["scene_cut"].get<bool>()) << frames[2];
  EXPECT_EQ(frames[2]["iterations"], 3);
  EXPECT_TRUE(frames[2]["losses"].contains("temporal"));
}

TEST_F(VideoCli, ARerunContinuesAfterTheLastFinishedFrame) {
  const std::string args = "--output " + q(dir / "out" / "clip.mp4") + " --frames-dir " + q(dir / "frames");
  ASSERT_EQ(run_impasto(video(args)).exit_code, 0);
  // An interrupted run: frames 3 and 4 never finished.
  fs::remove(dir / "frames" / "frame_00003.png");
  fs::remove(dir / "frames" / "frame_00004.png");
  fs::remove(dir / "out" / "clip.mp4");
  const auto first_time = fs::last_write_time(dir / "frames" / "frame_00002.png");
  const auto again = run_impasto(video(args));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("continuing after frame 2 of 4"), std::string::npos) << again.output;
  EXPECT_EQ(fs::last_write_time(dir / "frames" / "frame_00002.png"), first_time);
  EXPECT_TRUE(fs::exists(dir / "frames" / "frame_00004.png"));
  EXPECT_EQ(frames_in(dir / "out" / "clip.mp4"), 4);
}

TEST_F(VideoCli, WithoutFramesDirNothingIsLeftBesideTheVideo) {
  ASSERT_EQ(run_impasto(video("--output " + q(dir / "out" / "clip.mp4") + " --temporal-weight 0")).exit_code, 0);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir / "out")) left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"clip.mp4"});
}

TEST_F(VideoCli, LaterPassesRepaintEveryFrameInAlternatingDirectionsAndResume) {
  const std::string args = "--output " + q(dir / "out" / "clip.mp4") + " --report " + q(dir / "out" / "clip.json") +
                           " --frames-dir " + q(dir / "frames") + " --passes 3";
  const auto result = run_impasto(video(args));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("pass 2 of 3, from the last frame back"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("pass 3 of 3, from the first frame on"), std::string::npos) << result.output;
  // The frames each pass painted, in the order it painted them.
  std::vector<std::string> order;
  for (size_t at = result.output.find("pass "); at != std::string::npos; at = result.output.find("pass ", at + 1))
    if (result.output.compare(at, 7, "pass 2/") == 0 || result.output.compare(at, 7, "pass 3/") == 0)
      order.push_back(result.output.substr(at, result.output.find(':', at) - at));
  EXPECT_EQ(order, (std::vector<std::string>{"pass 2/3 · frame 4/4", "pass 2/3 · frame 3/4", "pass 2/3 · frame 2/4",
                                             "pass 2/3 · frame 1/4", "pass 3/3 · frame 1/4", "pass 3/3 · frame 2/4",
                                             "pass 3/3 · frame 3/4", "pass 3/3 · frame 4/4"}))
      << result.output;
  EXPECT_EQ(frames_in(dir / "out" / "clip.mp4"), 4);
  const auto report = read_json(dir / "out" / "clip.json");
  EXPECT_EQ(report["options"]["passes"], 3);
  ASSERT_EQ(report["frames"].size(), 4u);
  EXPECT_EQ(report["frames"][0]["iterations"], 6 + 3 + 3);  // --iterations, then --frame-iterations per later pass
  EXPECT_EQ(report["frames"][2]["iterations"], 3 + 3 + 3);
  // The last pass runs forward: each frame is held to the one before, which it painted just before;
  // the first frame, painted first, has none.
  EXPECT_FALSE(report["frames"][0]["losses"].contains("temporal")) << report["frames"][0];
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(report["frames"][i]["losses"].contains("temporal")) << report["frames"][i];
  for (int pass : {2, 3})
    for (int i = 1; i <= 4; ++i) {
      char name[48];
      std::snprintf(name, sizeof name, "pass_%d/frame_%05d.png", pass, i);
      EXPECT_TRUE(fs::exists(dir / "frames" / name)) << name;
    }
  // The last pass repaints: its frames are not the first pass's.
  const cv::Mat first = cv::imread((dir / "frames" / "frame_00003.png").string());
  const cv::Mat last = cv::imread((dir / "frames" / "pass_3" / "frame_00003.png").string());
  EXPECT_GT(cv::norm(first, last, cv::NORM_L1) / first.total(), 0.5);

  // Interrupted in pass 3 after its first two frames: a rerun paints only frames 3 and 4 of pass 3.
  for (const char* name : {"frame_00003.png", "frame_00003.json", "frame_00004.png", "frame_00004.json"})
    fs::remove(dir / "frames" / "pass_3" / name);
  fs::remove(dir / "out" / "clip.mp4");
  const auto kept = fs::last_write_time(dir / "frames" / "pass_3" / "frame_00002.png");
  const auto again = run_impasto(video(args));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(fs::last_write_time(dir / "frames" / "pass_3" / "frame_00002.png"), kept);
  EXPECT_NE(again.output.find("pass 3/3 · frame 2/4: finished earlier, kept"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("pass 3/3 · frame 4/4: 3 iterations"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("pass 2/3 · frame 2/4: 3 iterations"), std::string::npos) << again.output;
  EXPECT_TRUE(fs::exists(dir / "frames" / "pass_3" / "frame_00004.png"));
  EXPECT_EQ(frames_in(dir / "out" / "clip.mp4"), 4);
}

TEST_F(VideoCli, LaterPassesLeaveNothingBehindWithoutFramesDir) {
  ASSERT_EQ(run_impasto(video("--output " + q(dir / "out" / "clip.mp4") + " --passes 2")).exit_code, 0);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir / "out")) left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"clip.mp4"});
}

TEST_F(VideoCli, SlurmDryRunWritesTheTwoScriptsAndSubmitsNothing) {
  const fs::path work = dir / "out" / "clip.mp4.slurm";
  const auto result = run_impasto(video("--output " + q(dir / "out" / "clip.mp4") +
                                        " --slurm --dry-run --chunk-frames 2 --chunk-overlap 1"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 of 2 chunks of about 2 frames (1 overlapping) left, 4 frames in all"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("sbatch --dependency=afterok:$id " + (work / "batch" / "impasto-video-assemble.sbatch").string()),
            std::string::npos)
      << result.output;
  std::ifstream script(work / "batch" / "impasto-video.sbatch");
  const std::string text((std::istreambuf_iterator<char>(script)), {});
  EXPECT_NE(text.find("\n#SBATCH --array=0-1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("--run-chunk \"$SLURM_ARRAY_TASK_ID\""), std::string::npos) << text;
  EXPECT_EQ(text.find("--dry-run"), std::string::npos) << text;
  EXPECT_EQ(text.find("--slurm "), std::string::npos) << text;
  EXPECT_TRUE(fs::exists(work / "batch" / "impasto-video-assemble.sbatch"));
  EXPECT_FALSE(fs::exists(work / "batch" / "slurm_jobs.json")) << "nothing was submitted";
  EXPECT_FALSE(fs::exists(dir / "out" / "clip.mp4"));
}

TEST_F(VideoCli, RefusesBadInputWithOneLineAndNoVideo) {
  auto expect_refused = [&](const std::string& arguments, const std::string& message) {
    const auto result = run_impasto(arguments);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(message), std::string::npos) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_TRUE(fs::is_empty(dir / "out")) << arguments;
  };
  write_bytes(dir / "broken.mp4", "not a video at all");
  expect_refused("video --content " + q(dir / "broken.mp4") + " --style " + q(shared_image("starry_night.jpg")) +
                     " --output " + q(dir / "out" / "x.mp4"),
                 "broken.mp4");
  expect_refused(video("--output " + q(dir / "out" / "x.png")), ".mp4");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --temporal-weight -1"), "--temporal-weight");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --temporal-frames 0"), "--temporal-frames");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --flow magic"), "magic");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --passes 0"), "--passes must be at least 1");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --passes 2 --temporal-weight 0"),
                 "--passes blends neighbouring frames");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --passes 2 --slurm --dry-run"),
                 "--passes is not available with --slurm");
  // Slurm: chunking checked, and nothing queued or written for a clip that cannot be read.
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --chunk-frames 3"), "--chunk-frames applies to --slurm");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --dry-run"), "--dry-run");
  expect_refused(video("--output " + q(dir / "out" / "x.mp4") + " --slurm --chunk-frames 2 --chunk-overlap 2"),
                 "--chunk-overlap");
  expect_refused("video --content " + q(dir / "broken.mp4") + " --style " + q(shared_image("starry_night.jpg")) +
                     " --output " + q(dir / "out" / "x.mp4") + " --slurm",
                 "broken.mp4");
  // A frame of another size in the middle of the clip.
  cv::imwrite((dir / "clip" / "frame_0002.png").string(), cv::Mat(40, 40, CV_8UC3, cv::Scalar(0, 0, 0)));
  expect_refused(video("--output " + q(dir / "out" / "x.mp4")), "size");
}

}  // namespace
}  // namespace impasto::testing
