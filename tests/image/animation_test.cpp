#include "image/animation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/videoio.hpp>

#include "impasto/errors.h"
#include "test_support.h"

namespace impasto {
namespace {

struct Decoded {
  int frames = 0;
  cv::Mat first, last;
};

// Decodes with FFmpeg through OpenCV: an independent reader for both formats.
Decoded decode(const std::filesystem::path& path) {
  cv::VideoCapture capture(path.string(), cv::CAP_FFMPEG);
  Decoded decoded;
  cv::Mat frame;
  while (capture.read(frame)) {
    if (decoded.frames++ == 0) decoded.first = frame.clone();
    decoded.last = frame.clone();
  }
  return decoded;
}

// Frame i: a horizontal ramp whose brightness rises with i.
torch::Tensor frame(int i) {
  return (torch::linspace(0, 1, 48).view({1, 1, 1, 48}).expand({1, 3, 36, 48}) * 0.5 + 0.1 * i).contiguous();
}

class Animation : public ::testing::TestWithParam<std::string> {};

TEST_P(Animation, DecodesWithTheFramesAndSizeWritten) {
  testing::TempDir dir;
  const auto path = dir / ("run" + GetParam());
  auto writer = AnimationWriter::open(path.string(), 48, 36, 10);
  for (int i = 0; i < 5; ++i) writer->add(frame(i));
  EXPECT_FALSE(std::filesystem::exists(path)) << "written under a temporary name until finished";
  writer->finish();
  const Decoded decoded = decode(path);
  EXPECT_EQ(decoded.frames, 5);
  ASSERT_FALSE(decoded.first.empty());
  EXPECT_EQ(decoded.first.cols, 48);
  EXPECT_EQ(decoded.first.rows, 36);
  // The middle pixel of the first and last frames, within codec error.
  EXPECT_NEAR(decoded.first.at<cv::Vec3b>(18, 24)[1], frame(0)[0][1][18][24].item<double>() * 255, 8);
  EXPECT_NEAR(decoded.last.at<cv::Vec3b>(18, 24)[1], frame(4)[0][1][18][24].item<double>() * 255, 8);
}

INSTANTIATE_TEST_SUITE_P(Formats, Animation, ::testing::Values(".gif", ".mp4"),
                         [](const auto& info) { return info.param.substr(1); });

TEST(AnimationPath, RejectsOtherTypesAndMissingDirectories) {
  EXPECT_THROW(check_animation_path("run.avi"), InputError);
  EXPECT_THROW(check_animation_path("/nonexistent/dir/run.gif"), InputError);
  EXPECT_NO_THROW(check_animation_path("run.GIF"));
}

TEST(AnimationWriter, AnUnfinishedAnimationLeavesNoFile) {
  testing::TempDir dir;
  {
    auto writer = AnimationWriter::open((dir / "a.gif").string(), 48, 36, 10);
    writer->add(frame(0));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace impasto
