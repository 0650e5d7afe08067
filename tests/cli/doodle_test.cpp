// Acceptance of neural doodles (README "Neural doodles"): a style made of two textures with a
// two-colour map, and a doodle with the colours rearranged, painted on the first layers of VGG-19
// (doodles on SqueezeNet keep the regions apart too, but their textures come out muddy). Each output pixel's local texture
// statistics (mean and spread of CIELAB colour in a 7x7 window) must be closer to its own region's
// texture than to the other's for at least 90% of the pixels. IMPASTO_DOODLE_SIZE (default 128)
// and IMPASTO_DOODLE_ITERATIONS (default 100) set the run, IMPASTO_DOODLE_OPTIONS adds options;
// IMPASTO_DOODLE_KEEP=DIR keeps the pictures.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/float_mat.h"
#include "image/image_io.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

// [6,H,W]: the mean and standard deviation of each CIELAB channel in a 7x7 window around each pixel.
torch::Tensor local_statistics(const torch::Tensor& rgb) {
  cv::Mat converted;
  cv::cvtColor(to_float_mat(rgb.clamp(0, 1)), converted, cv::COLOR_RGB2Lab);
  const torch::Tensor lab = from_float_mat(converted).to(torch::kDouble);
  const auto pool = F::AvgPool2dFuncOptions(7).stride(1).padding(3).count_include_pad(false);
  const torch::Tensor mean = F::avg_pool2d(lab, pool);
  const torch::Tensor spread = (F::avg_pool2d(lab.square(), pool) - mean.square()).clamp_min(0).sqrt();
  return torch::cat({mean, spread}, 1)[0];
}

// One texture's crop from a painting, resized to width x height.
cv::Mat crop(const fs::path& painting, const cv::Rect& part, int width, int height) {
  cv::Mat picture = cv::imread(painting.string()), resized;
  cv::resize(picture(part), resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  return resized;
}

class Doodle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(vgg19_partial_dir()) || !fs::exists(shared_image("starry_night.jpg")) ||
        !fs::exists(shared_image("the_scream.jpg")))
      GTEST_SKIP() << "shared models/images not present";
  }
  TempDir dir;
  const int size = setting("IMPASTO_DOODLE_SIZE", 128), iterations = setting("IMPASTO_DOODLE_ITERATIONS", 100);
  const std::string extra = std::getenv("IMPASTO_DOODLE_OPTIONS") ? std::getenv("IMPASTO_DOODLE_OPTIONS") : "";
};

TEST_F(Doodle, EachRegionOfTheDoodleIsPaintedWithItsOwnTexture) {
  // The style: Starry Night's swirling sky on the left (red in the map), the Scream's striped sky on
  // the right (green in the map). The doodle: a green field with a red disc and a red band.
  const int half = size / 2;
  cv::Mat style(size, size, CV_8UC3), style_map(size, size, CV_8UC3, cv::Scalar(0, 255, 0));
  crop(shared_image("starry_night.jpg"), cv::Rect(300, 0, 300, 300), half, size).copyTo(style.colRange(0, half));
  crop(shared_image("the_scream.jpg"), cv::Rect(0, 0, 600, 400), size - half, size).copyTo(style.colRange(half, size));
  style_map.colRange(0, half).setTo(cv::Scalar(0, 0, 255));
  cv::Mat doodle(size, size, CV_8UC3, cv::Scalar(0, 255, 0));
  cv::circle(doodle, cv::Point(size * 2 / 3, size / 3), size / 5, cv::Scalar(0, 0, 255), cv::FILLED);
  doodle.rowRange(size * 3 / 4, size).setTo(cv::Scalar(0, 0, 255));
  for (const auto& [name, picture] : {std::pair<std::string, cv::Mat>{"style.png", style}, {"style_map.png", style_map},
                                      {"doodle.png", doodle}})
    ASSERT_TRUE(cv::imwrite((dir / name).string(), picture));

  const fs::path output = dir / "painted.png";
  const CommandResult result = run_impasto(
      "texture --style " + q(dir / "style.png") + " --style-map " + q(dir / "style_map.png") + " --content-map " +
      q(dir / "doodle.png") + " --style-loss mrf --model vgg19 --model-file " + q(vgg19_partial_dir()) + " --size " +
      std::to_string(size) + " --iterations " + std::to_string(iterations) + " --output " + q(output) + " " + extra);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  if (const char* keep = std::getenv("IMPASTO_DOODLE_KEEP"))
    for (const char* name : {"style.png", "style_map.png", "doodle.png", "painted.png"})
      fs::copy_file(dir / name, fs::path(keep) / name, fs::copy_options::overwrite_existing);

  const torch::Tensor painted = load_image(output.string(), "output");
  ASSERT_EQ(painted.size(2), size);
  ASSERT_EQ(painted.size(3), size);
  // Region of every pixel: 1 where red (the starry texture), in the style and in the doodle.
  auto red = [](const cv::Mat& map) {
    cv::Mat channels[3];
    cv::split(map, channels);
    return torch::from_blob(channels[2].data, {map.rows, map.cols}, torch::kUInt8).gt(127).clone();
  };
  const torch::Tensor style_red = red(style_map), doodle_red = red(doodle);
  const torch::Tensor reference = local_statistics(load_image((dir / "style.png").string(), "style"));
  const torch::Tensor scale = reference.flatten(1).std(1).clamp_min(1e-6).view({6, 1, 1});
  auto centre = [&](const torch::Tensor& where) {
    return (reference.flatten(1).index({torch::indexing::Slice(), where.flatten()})).mean(1).view({6, 1, 1});
  };
  const torch::Tensor starry = centre(style_red) / scale, scream = centre(~style_red) / scale;
  // The share of pixels of `picture` whose statistics are closer to their own region's (red: starry).
  auto own_share = [&](const torch::Tensor& picture, const torch::Tensor& is_red) {
    const torch::Tensor stats = local_statistics(picture) / scale;
    const torch::Tensor to_starry = (stats - starry).square().sum(0), to_scream = (stats - scream).square().sum(0);
    return torch::where(is_red, to_starry < to_scream, to_scream < to_starry).to(torch::kDouble).mean().item<double>();
  };
  const double share = own_share(painted, doodle_red);
  std::printf("[ figures  ] doodle at %d px, %d iterations: %.1f%% of pixels closer to their own region's texture "
              "(the style picture itself: %.1f%%)\n",
              size, iterations, 100 * share,
              100 * own_share(load_image((dir / "style.png").string(), "style"), style_red));
  EXPECT_GE(share, 0.9);
}

TEST_F(Doodle, TheOutputTakesTheDoodlesShape) {
  cv::Mat style(64, 64, CV_8UC3, cv::Scalar(40, 80, 160)), map(64, 64, CV_8UC3, cv::Scalar(0, 0, 255));
  cv::Mat doodle(90, 180, CV_8UC3, cv::Scalar(0, 0, 255));
  ASSERT_TRUE(cv::imwrite((dir / "style.png").string(), style));
  ASSERT_TRUE(cv::imwrite((dir / "map.png").string(), map));
  ASSERT_TRUE(cv::imwrite((dir / "doodle.png").string(), doodle));
  const CommandResult result = run_impasto("texture --style " + q(dir / "style.png") + " --style-map " +
                                           q(dir / "map.png") + " --content-map " + q(dir / "doodle.png") +
                                           " --style-loss mrf --model-file " + q(squeezenet_file()) +
                                           " --size 128 --iterations 2 --output " + q(dir / "out.png"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const torch::Tensor painted = load_image((dir / "out.png").string(), "output");
  EXPECT_EQ(painted.size(2), 64);
  EXPECT_EQ(painted.size(3), 128);
}

TEST_F(Doodle, MapsSharingNoColourAreRefusedOnOneLine) {
  cv::Mat style(64, 64, CV_8UC3, cv::Scalar(40, 80, 160)), map(64, 64, CV_8UC3, cv::Scalar(0, 0, 255));
  cv::Mat doodle(64, 64, CV_8UC3, cv::Scalar(0, 255, 0));
  ASSERT_TRUE(cv::imwrite((dir / "style.png").string(), style));
  ASSERT_TRUE(cv::imwrite((dir / "map.png").string(), map));
  ASSERT_TRUE(cv::imwrite((dir / "doodle.png").string(), doodle));
  const CommandResult result = run_impasto("texture --style " + q(dir / "style.png") + " --style-map " +
                                           q(dir / "map.png") + " --content-map " + q(dir / "doodle.png") +
                                           " --style-loss mrf --model-file " + q(squeezenet_file()) +
                                           " --size 64 --iterations 2 --output " + q(dir / "out.png"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("(#00ff00) is in the style maps (#ff0000)"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

}  // namespace
}  // namespace impasto::testing
