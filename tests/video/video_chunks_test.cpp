#include "video/video_chunks.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "impasto/errors.h"
#include "video/frame_store.h"
#include "video/test_clips.h"
#include "video/video_fingerprint.h"

namespace impasto::testing {
namespace {
namespace fs = std::filesystem;

TEST(VideoChunks, EachChunkStartsOverlapFramesBeforeItsOwn) {
  EXPECT_EQ(regular_chunk_starts(10, 4), (std::vector<int>{0, 4, 8}));
  const auto chunks = video_chunks({0, 4, 8}, 2, 10);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ((std::array<int, 3>{chunks[0].first, chunks[0].own_first, chunks[0].end}), (std::array<int, 3>{0, 0, 4}));
  EXPECT_EQ((std::array<int, 3>{chunks[1].first, chunks[1].own_first, chunks[1].end}), (std::array<int, 3>{2, 4, 8}));
  EXPECT_EQ((std::array<int, 3>{chunks[2].first, chunks[2].own_first, chunks[2].end}), (std::array<int, 3>{6, 8, 10}));
  // A task need not know the clip's length: the last chunk runs to its end.
  EXPECT_EQ(video_chunk(2, {0, 4, 8}, 2, 0).end, 0);
  EXPECT_EQ(chunk_options(VideoOptions{}, video_chunk(2, {0, 4, 8}, 2, 0), "f").max_frames, 0);
}

TEST(VideoChunks, SeamsMoveToWhereTheClipMovesLeast) {
  std::vector<double> motion(40, 1.0);
  for (int t = 16; t <= 19; ++t) motion[t] = 0.1;  // a calm stretch just before the nominal seam at 20
  motion[31] = 0.0;                                 // one still pair near the seam at 30
  const auto starts = chunk_starts(motion, 10, 2);
  ASSERT_EQ(starts.size(), 4u);
  EXPECT_EQ(starts[0], 0);
  EXPECT_EQ(starts[1], 10) << "no calmer place within a quarter chunk: the nominal seam";
  EXPECT_EQ(starts[2], 18) << "the 3 pairs (15,16)..(17,18) are the calmest";  // window 18..22
  EXPECT_EQ(starts[3], 31) << "the first crossfade (3 pairs) to take in the still pair";
  // Starts never come closer than the overlap allows.
  const auto tight = chunk_starts(std::vector<double>(12, 1.0), 4, 3);
  for (size_t k = 1; k < tight.size(); ++k) EXPECT_GT(tight[k], tight[k - 1] + 3);
}

TEST(VideoChunks, ChunkOptionsPaintTheChunkIntoItsFolderWithoutAVideo) {
  VideoOptions clip;
  clip.frame.output = "clip.mp4";
  clip.frame.report = "r.json";
  const VideoOptions o = chunk_options(clip, video_chunk(1, {0, 4, 8}, 2, 10), "work/chunk_001.part");
  EXPECT_EQ(o.first_frame, 2);
  EXPECT_EQ(o.max_frames, 6);
  EXPECT_EQ(o.frames_dir, "work/chunk_001.part");
  EXPECT_FALSE(o.write_video);
  EXPECT_TRUE(o.frame.report.empty());
  // Chunks of one clip are told apart by their first frame.
  EXPECT_NE(video_fingerprint(o), video_fingerprint(chunk_options(clip, video_chunk(2, {0, 4, 8}, 2, 10), "x")));
}

class ChunkAssembly : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "clip");
    const cv::Mat scene = texture(120);
    for (int i = 0; i < 10; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%02d.png", i);
      cv::imwrite((dir / "clip" / name).string(), view(scene, 2 * i, 10, cv::Size(48, 32)));
    }
    clip.frame.content = (dir / "clip").string();
    clip.frame.output = (dir / "out.mp4").string();
    clip.frame.report = (dir / "report.json").string();
  }
  // Chunk k painted flat grey `value`, its first `frames` frames (all when -1).
  std::string paint(const VideoChunk& chunk, int value, int frames = -1) {
    const std::string folder = (dir / ("chunk_" + std::to_string(chunk.index))).string();
    FrameStore store(folder, video_fingerprint(chunk_options(clip, chunk, folder)));
    const int count = frames < 0 ? chunk.end - chunk.first : frames;
    for (int i = 0; i < count; ++i) {
      cv::imwrite(store.staging_path(i), cv::Mat(32, 48, CV_8UC3, cv::Scalar::all(value)));
      store.write_record(i, {{"frame", i + 1}, {"iterations", 7}, {"losses", {{"style", 1.0 * value}}}});
      store.commit_image(i);
    }
    return folder;
  }
  TempDir dir;
  VideoOptions clip;
};

TEST_F(ChunkAssembly, OverlapsAreCrossfadedAndTheBoundariesMeasured) {
  const auto chunks = video_chunks({0, 4, 8}, 2, 10);
  const std::vector<std::string> folders = {paint(chunks[0], 60), paint(chunks[1], 120), paint(chunks[2], 180)};
  const VideoResult result = assemble_video_chunks(clip, chunks, folders);
  EXPECT_EQ(result.frames, 10);
  ASSERT_EQ(result.boundaries.size(), 2u);
  EXPECT_EQ(result.boundaries[0].frame, 5);
  EXPECT_EQ(result.boundaries[1].frame, 9);
  // Cut, the boundary would jump by 60 grey levels at once; crossfaded, by 20 a frame.
  for (const auto& b : result.boundaries) {
    EXPECT_NEAR(b.unblended_warp_error, std::pow(60 / 255.0, 2), 1e-3);
    EXPECT_NEAR(b.warp_error, std::pow(20 / 255.0, 2), 1e-3);
  }
  EXPECT_EQ(result.records[5].losses.front().second, 120) << "a frame's record is its own chunk's";

  cv::VideoCapture video(clip.frame.output);
  const std::vector<int> expected = {60, 60, 80, 100, 120, 120, 140, 160, 180, 180};
  for (int t = 0; t < 10; ++t) {
    cv::Mat frame;
    ASSERT_TRUE(video.read(frame)) << "frame " << t;
    EXPECT_NEAR(cv::mean(frame)[1], expected[t], 3) << "frame " << t;
  }
  cv::Mat extra;
  EXPECT_FALSE(video.read(extra));
  std::ifstream in(clip.frame.report);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["chunks"]["boundaries"].size(), 2u);
  EXPECT_GT(report["chunks"]["worst_boundary_to_mean"].get<double>(), 1.0);
}

TEST_F(ChunkAssembly, AMissingOrUnfinishedChunkIsRefusedAndNothingWritten) {
  const auto chunks = video_chunks({0, 4, 8}, 2, 10);
  std::vector<std::string> folders = {paint(chunks[0], 60), paint(chunks[1], 120, 3), (dir / "none").string()};
  try {
    assemble_video_chunks(clip, chunks, folders);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk 1 (frames 3-8) is missing, unfinished"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(clip.frame.output));
  EXPECT_FALSE(fs::exists(clip.frame.report));
}

}  // namespace
}  // namespace impasto::testing
