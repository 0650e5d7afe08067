#include "video/frame_source.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <opencv2/imgcodecs.hpp>

#include "image/animation.h"
#include "impasto/errors.h"
#include "test_support.h"

namespace impasto {
namespace {
namespace fs = std::filesystem;

cv::Mat solid(int value, cv::Size size = {32, 24}) { return cv::Mat(size, CV_8UC3, cv::Scalar::all(value)); }

std::vector<int> middle_values(FrameSource& source) {
  std::vector<int> values;
  for (cv::Mat frame = source.next(); !frame.empty(); frame = source.next()) values.push_back(frame.at<cv::Vec3b>(12, 16)[0]);
  return values;
}

std::string error_of(const std::string& path) {
  try {
    auto source = FrameSource::open(path);
    while (!source->next().empty()) {
    }
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(FrameSource, ReadsAFolderInNameOrder) {
  testing::TempDir dir;
  cv::imwrite((dir / "b.png").string(), solid(20));
  cv::imwrite((dir / "a.png").string(), solid(10));
  cv::imwrite((dir / "c.png").string(), solid(30));
  testing::write_bytes(dir / "notes.txt", "not a frame");
  auto source = FrameSource::open(dir.path().string());
  EXPECT_EQ(middle_values(*source), (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(source->frames_per_second(), 25);
}

TEST(FrameSource, ReadsAPrintfPatternFromZeroOrOne) {
  testing::TempDir dir;
  for (int i = 1; i <= 3; ++i) cv::imwrite((dir / ("f_" + std::to_string(1000 + i).substr(1) + ".png")).string(), solid(i * 10));
  auto source = FrameSource::open((dir / "f_%03d.png").string());
  EXPECT_EQ(middle_values(*source), (std::vector<int>{10, 20, 30}));
}

TEST(FrameSource, ReadsAVideoWithItsFrameRate) {
  testing::TempDir dir;
  const auto path = dir / "clip.mp4";
  auto writer = AnimationWriter::open(path.string(), 32, 24, 12);
  for (int i = 0; i < 4; ++i) writer->add(torch::full({1, 3, 24, 32}, 0.2 * (i + 1)));
  writer->finish();
  auto source = FrameSource::open(path.string());
  const auto values = middle_values(*source);
  ASSERT_EQ(values.size(), 4u);
  EXPECT_NEAR(values[0], 51, 6);
  EXPECT_NEAR(values[3], 204, 6);
  EXPECT_NEAR(source->frames_per_second(), 12, 0.01);
}

TEST(FrameSource, BadInputsAreOneLineInputErrors) {
  testing::TempDir dir;
  EXPECT_EQ(error_of((dir / "none.mp4").string()), "cannot read video '" + (dir / "none.mp4").string() + "': no such file");
  testing::write_bytes(dir / "text.mp4", "this is not a video");
  EXPECT_EQ(error_of((dir / "text.mp4").string()),
            "cannot decode video '" + (dir / "text.mp4").string() + "': not a video OpenCV can read");
  testing::write_bytes(dir / "empty.avi", "");
  EXPECT_NE(error_of((dir / "empty.avi").string()).find("empty.avi'"), std::string::npos);
  fs::create_directories(dir / "nothing");
  EXPECT_EQ(error_of((dir / "nothing").string()),
            "cannot read frames from '" + (dir / "nothing").string() + "': the folder holds no images");
  EXPECT_EQ(error_of((dir / "x_%04d.png").string()),
            "cannot read frames from '" + (dir / "x_%04d.png").string() + "': no file matches the pattern");
  EXPECT_NE(error_of((dir / "x_%s.png").string()).find("needs one %d"), std::string::npos);
}

TEST(FrameSource, AFrameSizeChangeIsAnInputError) {
  testing::TempDir dir;
  cv::imwrite((dir / "1.png").string(), solid(10));
  cv::imwrite((dir / "2.png").string(), solid(10));
  cv::imwrite((dir / "3.png").string(), solid(10, {30, 24}));
  EXPECT_EQ(error_of(dir.path().string()), "frame 3 of '" + dir.path().string() +
                                               "' is 30x24, the first frame is 32x24: the frame size must not change");
}

}  // namespace
}  // namespace impasto
