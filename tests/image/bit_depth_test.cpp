#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>

#include "image/image_io.h"
#include "test_support.h"

namespace impasto {
namespace {

class SixteenBit : public ::testing::TestWithParam<std::string> {};

TEST_P(SixteenBit, ReadsBackWithinHalfAStepOf65535) {
  testing::TempDir dir;
  torch::manual_seed(9);
  torch::Tensor image = torch::rand({1, 3, 20, 30});
  const std::string path = (dir / ("deep" + GetParam())).string();
  save_image(image, path, 16);
  cv::Mat read = cv::imread(path, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(read.type(), CV_16UC3);
  ASSERT_EQ(read.rows, 20);
  ASSERT_EQ(read.cols, 30);
  double worst = 0;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 30; ++x)
      for (int c = 0; c < 3; ++c) {
        const double written = read.at<cv::Vec3w>(y, x)[2 - c] / 65535.0;  // BGR on disk
        worst = std::max(worst, std::abs(written - image[0][c][y][x].item<double>()));
      }
  EXPECT_LE(worst, 0.5 / 65535 + 1e-7);
  save_image(image, (dir / "shallow.png").string());
  EXPECT_EQ(cv::imread((dir / "shallow.png").string(), cv::IMREAD_UNCHANGED).type(), CV_8UC3) << "8 bits by default";
}

INSTANTIATE_TEST_SUITE_P(Formats, SixteenBit, ::testing::Values(".png", ".tif"),
                         [](const auto& info) { return info.param.substr(1); });

}  // namespace
}  // namespace impasto
