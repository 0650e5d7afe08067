#include "video/frame_store.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "test_support.h"

namespace impasto {
namespace {
namespace fs = std::filesystem;

void paint(FrameStore& store, int index, int value) {
  cv::imwrite(store.staging_path(index), cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(value)));
  store.write_record(index, {{"frame", index + 1}});
  store.commit_image(index);
}

TEST(FrameStore, ContinuesAfterTheFinishedFramesOfTheSameRun) {
  testing::TempDir dir;
  const std::string folder = (dir / "frames").string();
  {
    FrameStore store(folder, {{"style", "a"}});
    EXPECT_EQ(store.finished(), 0);
    paint(store, 0, 10);
    paint(store, 1, 20);
    // frame 3 was being painted when the run stopped: staged, no record, no image
    cv::imwrite(store.staging_path(2), cv::Mat(8, 8, CV_8UC3));
  }
  FrameStore again(folder, {{"style", "a"}});
  EXPECT_EQ(again.finished(), 2);
  EXPECT_EQ(again.read_image(1).at<cv::Vec3b>(4, 4)[0], 20);
  EXPECT_EQ(again.read_record(1)["frame"], 2);
  EXPECT_EQ(fs::path(again.image_path(0)).filename(), "frame_00001.png");
}

TEST(FrameStore, AnotherRunStartsOverAndRemoveLeavesNothing) {
  testing::TempDir dir;
  const std::string folder = (dir / "frames").string();
  {
    FrameStore store(folder, {{"style", "a"}});
    paint(store, 0, 10);
    cv::imwrite(store.staging_path(1), cv::Mat(8, 8, CV_8UC3));
  }
  FrameStore other(folder, {{"style", "b"}});
  EXPECT_EQ(other.finished(), 0);
  EXPECT_FALSE(fs::exists(other.image_path(0)));
  other.remove();
  EXPECT_FALSE(fs::exists(folder));
}

TEST(FrameStore, FramesFinishedInAnyOrderAreKnownAndOnlyItsOwnFilesAreRemoved) {
  testing::TempDir dir;
  const std::string folder = (dir / "frames").string();
  fs::create_directories(folder);
  cv::imwrite((dir / "frames" / "frame_0001.png").string(), cv::Mat(8, 8, CV_8UC3));  // the user's, not ours
  {
    FrameStore store(folder, {{"pass", 2}});
    paint(store, 3, 40);  // a backward pass: the last frame first
    paint(store, 2, 30);
    EXPECT_TRUE(store.has(3));
    EXPECT_TRUE(store.has(2));
    EXPECT_FALSE(store.has(1));
  }
  FrameStore same(folder, {{"pass", 2}});
  EXPECT_TRUE(same.has(3));
  EXPECT_EQ(same.read_image(2).at<cv::Vec3b>(4, 4)[0], 30);
  FrameStore other(folder, {{"pass", 3}});  // another run: the frames at the end go too
  EXPECT_FALSE(other.has(3));
  EXPECT_FALSE(fs::exists(other.image_path(3)));
  other.remove();
  EXPECT_TRUE(fs::exists(dir / "frames" / "frame_0001.png"));
}

}  // namespace
}  // namespace impasto
