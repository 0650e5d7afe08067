#include "video/flow_field.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "impasto/errors.h"
#include "test_support.h"
#include "video/flo_file.h"
#include "video/test_clips.h"

namespace impasto {
namespace {
namespace fs = std::filesystem;

TEST(FloFile, RoundTripsExactlyAndRejectsOtherFiles) {
  testing::TempDir dir;
  cv::Mat flow(7, 9, CV_32FC2);
  cv::randu(flow, -20, 20);
  write_flo((dir / "a.flo").string(), flow);
  EXPECT_EQ(fs::file_size(dir / "a.flo"), 12u + 7 * 9 * 8);
  const cv::Mat read = read_flo((dir / "a.flo").string());
  ASSERT_EQ(read.size(), flow.size());
  EXPECT_EQ(cv::norm(read, flow, cv::NORM_INF), 0);

  testing::write_bytes(dir / "b.flo", "not a flow file at all");
  EXPECT_THROW(read_flo((dir / "b.flo").string()), InputError);
  std::string truncated(12 + 10, '\0');
  std::ifstream((dir / "a.flo").string(), std::ios::binary).read(truncated.data(), truncated.size());
  testing::write_bytes(dir / "c.flo", truncated);
  EXPECT_THROW(read_flo((dir / "c.flo").string()), InputError);
}

std::vector<cv::Mat> panning_clip() {
  const cv::Mat scene = testing::texture();
  return {testing::view(scene, 40, 40, cv::Size(64, 48)), testing::view(scene, 38, 40, cv::Size(64, 48)),
          testing::view(scene, 36, 40, cv::Size(64, 48))};
}

TEST(FlowField, ServesBothDirectionsOfPlannedAndUnplannedPairs) {
  const auto frames = panning_clip();
  FlowField flows(frames, FlowMethod::Dis, "", {{1, 0}});
  // The camera pans 2 px right a frame: frame 1(p) = frame 0(p − (2, 0)).
  EXPECT_NEAR(cv::mean(flows.flow(1, 0))[0], -2, 0.3);  // planned, from the worker
  EXPECT_NEAR(cv::mean(flows.flow(0, 1))[0], 2, 0.3);   // its other direction
  EXPECT_NEAR(cv::mean(flows.flow(2, 0))[0], -4, 0.4);  // not planned: computed on the spot
  EXPECT_GT(flows.seconds_computing(), 0);
}

TEST(FlowField, TheCacheIsWrittenOnceAndReadBack) {
  testing::TempDir dir;
  const auto frames = panning_clip();
  const std::string cache = (dir / "flow").string();
  cv::Mat first;
  {
    FlowField flows(frames, FlowMethod::Dis, cache, {{1, 0}, {2, 1}});
    first = flows.flow(2, 1).clone();
    flows.flow(1, 0);
  }
  int files = 0;
  for (const auto& entry : fs::directory_iterator(cache)) files += entry.path().extension() == ".flo";
  EXPECT_EQ(files, 4);
  // Overwrite one cached file with a recognisable field: a second run must read it, not recompute.
  for (const auto& entry : fs::directory_iterator(cache))
    if (cv::norm(read_flo(entry.path().string()), first, cv::NORM_INF) == 0)
      write_flo(entry.path().string(), cv::Mat(first.size(), CV_32FC2, cv::Scalar(7, 7)));
  FlowField again(frames, FlowMethod::Dis, cache, {{1, 0}, {2, 1}});
  EXPECT_EQ(cv::mean(again.flow(2, 1))[0], 7);
}

TEST(FlowField, AnUncreatableCacheIsAnInputError) {
  testing::TempDir dir;
  testing::write_bytes(dir / "file", "x");
  const auto frames = panning_clip();
  EXPECT_THROW(FlowField(frames, FlowMethod::Dis, (dir / "file" / "sub").string(), {}), InputError);
}

}  // namespace
}  // namespace impasto
