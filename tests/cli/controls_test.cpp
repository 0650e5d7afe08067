// End-to-end tests of the artistic controls (README "Controls") on the real SqueezeNet weights at
// small sizes. Figures the tests measure are printed as "[ figures  ]" lines.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "image/image_io.h"
#include "image/masks.h"
#include "nets/network.h"
#include "test_support.h"
#include "transfer/losses.h"
#include "weights/weight_source.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class Controls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
  }
  // tubingen (1024x768) at `size`, styled with starry_night unless told otherwise.
  std::string base(int size, int iterations, const std::string& styles = "") const {
    return "stylize --content " + q(shared_image("tubingen.jpg")) + " --style " +
           (styles.empty() ? q(shared_image("starry_night.jpg")) : styles) + " --model-file " + q(squeezenet_file()) +
           " --size " + std::to_string(size) + " --iterations " + std::to_string(iterations) + " ";
  }
  void run(const std::string& arguments) const {
    auto result = run_impasto(arguments);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  nlohmann::json read_json(const fs::path& path) const {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  // The content photo as the run sees it, [1,3,H,W].
  torch::Tensor content(int size) const { return resize_longest(load_image(shared_image("tubingen.jpg").string(), "content"), size); }
  TempDir dir;
};

double style_reduction(const nlohmann::json& report) {
  return 1.0 - report["final"]["style_loss"].get<double>() / report["iterations"][0]["style_loss"].get<double>();
}

// Mean absolute difference of the Cr and Cb channels (0..255) of two 8-bit BGR images.
double chroma_error(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat ya, yb, diff;
  cv::cvtColor(a, ya, cv::COLOR_BGR2YCrCb);
  cv::cvtColor(b, yb, cv::COLOR_BGR2YCrCb);
  cv::absdiff(ya, yb, diff);
  const cv::Scalar mean = cv::mean(diff);
  return (mean[1] + mean[2]) / 2;
}

cv::Mat photo_at(const cv::Size& size) {
  cv::Mat photo = cv::imread(shared_image("tubingen.jpg").string()), small;
  cv::resize(photo, small, size, 0, 0, cv::INTER_AREA);
  return small;
}

TEST_F(Controls, LuminanceModeKeepsTheContentsChrominanceAndHistogramModeItsColours) {
  run(base(64, 15) + "--output " + q(dir / "plain.png"));
  run(base(64, 15) + "--preserve-colors luminance --output " + q(dir / "luminance.png"));
  run(base(64, 15) + "--preserve-colors histogram --output " + q(dir / "histogram.png"));
  const cv::Mat plain = cv::imread((dir / "plain.png").string()), luminance = cv::imread((dir / "luminance.png").string()),
                histogram = cv::imread((dir / "histogram.png").string());
  const cv::Mat photo = photo_at(plain.size());
  const double plain_error = chroma_error(plain, photo), luminance_error = chroma_error(luminance, photo);
  // Mean colour distance to the photo (0..255 per channel).
  auto colour_distance = [&](const cv::Mat& image) { return cv::norm(cv::mean(image) - cv::mean(photo)); };
  std::printf("[ figures  ] chroma error: luminance %.2f, plain %.2f; mean colour distance: histogram %.2f, plain %.2f\n",
              luminance_error, plain_error, colour_distance(histogram), colour_distance(plain));
  EXPECT_LT(luminance_error, 1.5);
  EXPECT_GT(plain_error, 3 * luminance_error) << "the style's colours would show without luminance mode";
  EXPECT_LT(colour_distance(histogram), colour_distance(plain));
  cv::Mat grey_luminance, grey_plain;  // luminance mode still transfers the style: the grey image changed
  cv::cvtColor(luminance, grey_luminance, cv::COLOR_BGR2GRAY);
  cv::cvtColor(photo, grey_plain, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::norm(grey_luminance, grey_plain, cv::NORM_L1) / grey_plain.total(), 3.0);
}

TEST_F(Controls, SixteenBitOutputKeepsSixteenBits) {
  run(base(64, 5) + "--bit-depth 16 --output " + q(dir / "deep.png"));
  const cv::Mat image = cv::imread((dir / "deep.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(image.type(), CV_16UC3);
  EXPECT_EQ(image.cols, 64);
  // An 8-bit image scaled up has every value a multiple of 257; a real 16-bit result does not.
  int fine = 0;
  for (auto it = image.begin<cv::Vec3w>(); it != image.end<cv::Vec3w>(); ++it) fine += (*it)[0] % 257 != 0;
  EXPECT_GT(fine, static_cast<int>(image.total()) / 2);
}

TEST_F(Controls, EveryStyleLossLowersItself) {
  for (const std::string name : {"gram", "meancov", "wasserstein"}) {
    run(base(64, 10) + "--style-loss " + name + " --output " + q(dir / (name + ".png")) + " --report " +
        q(dir / (name + ".json")));
    const auto report = read_json(dir / (name + ".json"));
    std::printf("[ figures  ] %s: style loss %.4g -> %.4g\n", name.c_str(),
                report["iterations"][0]["style_loss"].get<double>(), report["final"]["style_loss"].get<double>());
    EXPECT_GT(style_reduction(report), 0.4) << name;
    EXPECT_EQ(report["weights"]["style_loss"], name);
  }
}

TEST_F(Controls, ReportHasResolvedWeightsAndFinalLossesByLayerAndStyle) {
  run(base(64, 5, q(shared_image("starry_night.jpg")) + "," + q(shared_image("the_scream.jpg"))) +
      "--style-blend 3,1 --style-layers conv1:1,fire2:3 --content-weight 2 --output " + q(dir / "o.png") +
      " --report " + q(dir / "r.json"));
  const auto report = read_json(dir / "r.json");
  const auto& weights = report["weights"];
  ASSERT_EQ(weights["content_layers"].size(), 1u);
  EXPECT_EQ(weights["content_layers"][0]["layer"], "fire7");
  EXPECT_DOUBLE_EQ(weights["content_layers"][0]["weight"].get<double>(), 2.0);
  ASSERT_EQ(weights["style_layers"].size(), 2u);
  EXPECT_EQ(weights["style_layers"][1]["layer"], "fire2");
  EXPECT_DOUBLE_EQ(weights["style_layers"][0]["weight"].get<double>(), 25.0);  // 1/4 of --style-weight 100
  EXPECT_DOUBLE_EQ(weights["style_layers"][1]["weight"].get<double>(), 75.0);
  ASSERT_EQ(weights["styles"].size(), 2u);
  EXPECT_DOUBLE_EQ(weights["styles"][0]["weight"].get<double>(), 0.75);
  EXPECT_NE(weights["styles"][1]["style"].get<std::string>().find("the_scream"), std::string::npos);
  const auto& final = report["final"];
  double by_layer = 0;
  for (const auto& layer : final["style_layers"]) by_layer += layer["loss"].get<double>();
  EXPECT_NEAR(by_layer, final["style_loss"].get<double>(), 1e-6 * by_layer);
  EXPECT_NEAR(final["content_layers"][0]["loss"].get<double>(), final["content_loss"].get<double>(), 1e-9);
  ASSERT_EQ(final["styles"].size(), 2u);
  const double starry = final["styles"][0]["loss"], scream = final["styles"][1]["loss"];
  std::printf("[ figures  ] final style loss %.4g; against starry night alone %.4g, the scream alone %.4g\n",
              final["style_loss"].get<double>(), starry, scream);
  EXPECT_GT(starry, 0);
  EXPECT_LT(starry, scream) << "the 3:1 blend leans towards the first style";
}

int count_frames(const fs::path& path, cv::Size* size) {
  cv::VideoCapture capture(path.string(), cv::CAP_FFMPEG);
  int frames = 0;
  cv::Mat frame;
  while (capture.read(frame)) {
    ++frames;
    *size = frame.size();
  }
  return frames;
}

TEST_F(Controls, AnimationHasAFramePerIntervalAndTheFinalImage) {
  for (const std::string extension : {".gif", ".mp4"}) {
    run(base(48, 6) + "--animate " + q(dir / ("run" + extension)) + " --animate-every 4 --output " +
        q(dir / "o.png"));
    cv::Size size;
    EXPECT_EQ(count_frames(dir / ("run" + extension), &size), 3) << extension << ": iterations 0, 4 and 6";
    EXPECT_EQ(size, cv::Size(48, 36)) << extension;
  }
}

// Two styles with complementary masks (left, right), measured on the output by SqueezeNet's Gram
// matrices: each half is closer to its own style than to the other.
class SpatialControls : public Controls {
 protected:
  void SetUp() override {
    Controls::SetUp();
    if (IsSkipped()) return;
    cv::Mat left(48, 64, CV_8UC3, cv::Scalar::all(0));
    left(cv::Rect(0, 0, 32, 48)).setTo(cv::Scalar::all(255));
    cv::imwrite((dir / "left.png").string(), left);
    cv::imwrite((dir / "right.png").string(), cv::Scalar::all(255) - left);
    cv::Mat map(48, 64, CV_8UC3, cv::Scalar(255, 0, 0));  // BGR: blue right, red left
    map(cv::Rect(0, 0, 32, 48)).setTo(cv::Scalar(0, 0, 255));
    cv::imwrite((dir / "map.png").string(), map);
    cv::imwrite((dir / "red.png").string(), cv::Mat(40, 40, CV_8UC3, cv::Scalar(0, 0, 255)));
    cv::imwrite((dir / "blue.png").string(), cv::Mat(40, 40, CV_8UC3, cv::Scalar(255, 0, 0)));
  }
  std::string two_styles() const { return q(shared_image("starry_night.jpg")) + "," + q(shared_image("the_scream.jpg")); }

  // Sum over the default style layers of the relative Gram distance between the output inside
  // `mask` and a whole style image.
  double gram_distance(const torch::Tensor& output, const torch::Tensor& mask, const std::string& style) {
    static const std::vector<std::string> layers = {"conv1", "fire2", "fire3", "fire5", "fire7"};
    const NetworkSpec& spec = network_spec("squeezenet");
    static auto weights = open_weights(squeezenet_file());
    static Network network(spec, weights.get(), layers);
    torch::NoGradGuard no_grad;
    const auto out = network.forward(output);
    const auto target = network.forward(resize_longest(load_image(shared_image(style).string(), "style"), kSize));
    double distance = 0;
    for (const auto& layer : layers) {
      const torch::Tensor f = out.at(layer);
      const torch::Tensor m = resize_mask(mask, f.size(2), f.size(3));
      const torch::Tensor guided = gram_matrix(f * m) * (static_cast<double>(m.numel()) / m.square().sum().item<double>());
      const torch::Tensor t = gram_matrix(target.at(layer));
      distance += ((guided - t).square().sum() / t.square().sum()).item<double>();
    }
    return distance;
  }
  static constexpr int kSize = 64, kHeight = 48;  // tubingen at 64 px
  torch::Tensor half(bool left) const {
    torch::Tensor mask = torch::zeros({1, 1, kHeight, kSize});
    mask.narrow(3, left ? 0 : kSize / 2, kSize / 2).fill_(1);
    return mask;
  }
  // Mean absolute difference to the content photo inside a mask.
  double content_difference(const torch::Tensor& output, const torch::Tensor& mask) const {
    return ((output - content(kSize)).abs() * mask).sum().item<double>() / (3 * mask.sum().item<double>());
  }
  void expect_each_half_closer_to_its_style(const fs::path& output) {
    const torch::Tensor image = resize_to(load_image(output.string(), "output"), kHeight, kSize);
    const double left_own = gram_distance(image, half(true), "starry_night.jpg"),
                 left_other = gram_distance(image, half(true), "the_scream.jpg"),
                 right_own = gram_distance(image, half(false), "the_scream.jpg"),
                 right_other = gram_distance(image, half(false), "starry_night.jpg");
    std::printf("[ figures  ] Gram distance left half: starry %.3f, scream %.3f; right half: scream %.3f, starry %.3f\n",
                left_own, left_other, right_own, right_other);
    EXPECT_LT(left_own, left_other);
    EXPECT_LT(right_own, right_other);
  }
};

TEST_F(SpatialControls, ComplementaryMasksGiveEachHalfItsStyle) {
  run(base(kSize, 30, two_styles()) + "--style-mask " + q(dir / "left.png") + "," + q(dir / "right.png") + " --output " +
      q(dir / "masked.png") + " --report " + q(dir / "r.json"));
  expect_each_half_closer_to_its_style(dir / "masked.png");
  const auto regions = read_json(dir / "r.json")["final"]["regions"];
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_NEAR(regions[0]["weight"].get<double>(), 0.5, 1e-6);
}

// Tiles see their window of the masks: the same outcome when the output is optimised in four tiles.
TEST_F(SpatialControls, TiledRunKeepsEachMaskedHalfInItsStyle) {
  run(base(96, 30, two_styles()) + "--style-mask " + q(dir / "left.png") + "," + q(dir / "right.png") +
      " --tile 64 --output " + q(dir / "tiled.png") + " --report " + q(dir / "r.json"));
  expect_each_half_closer_to_its_style(dir / "tiled.png");
  EXPECT_GT(read_json(dir / "r.json")["final"]["seam_ratio"].get<double>(), 0.0);
}

TEST_F(SpatialControls, ColourMapsActLikeMasks) {
  run(base(kSize, 30, two_styles()) + "--content-map " + q(dir / "map.png") + " --style-map " + q(dir / "red.png") + "," +
      q(dir / "blue.png") + " --output " + q(dir / "mapped.png") + " --report " + q(dir / "r.json"));
  expect_each_half_closer_to_its_style(dir / "mapped.png");
  const auto regions = read_json(dir / "r.json")["final"]["regions"];
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0]["region"], "#0000ff");
  EXPECT_EQ(regions[1]["region"], "#ff0000");
}

TEST_F(SpatialControls, ZeroWeightRegionStaysCloseToTheContent) {
  run(base(kSize, 30, two_styles()) + "--style-mask " + q(dir / "left.png") + "," + q(dir / "right.png") +
      " --style-blend 1,0 --output " + q(dir / "zero.png"));
  const torch::Tensor image = load_image((dir / "zero.png").string(), "output");
  const double styled = content_difference(image, half(true)), kept = content_difference(image, half(false));
  std::printf("[ figures  ] mean difference to the photo: styled half %.4f, zero-weight half %.4f\n", styled, kept);
  EXPECT_LT(kept, 0.5 * styled);
  EXPECT_LT(kept, 0.05);
}

TEST_F(SpatialControls, BlackContentMaskKeepsThePhoto) {
  run(base(kSize, 8) + "--content-mask " + q(dir / "left.png") + " --output " + q(dir / "half.png"));
  const torch::Tensor image = load_image((dir / "half.png").string(), "output");
  torch::Tensor inner_right = torch::zeros({1, 1, kHeight, kSize});
  inner_right.narrow(3, kSize / 2 + 2, kSize / 2 - 2).fill_(1);  // away from the soft edge of the resized mask
  const double kept = content_difference(image, inner_right), styled = content_difference(image, half(true));
  std::printf("[ figures  ] mean difference to the photo: masked-out half %.4f, styled half %.4f\n", kept, styled);
  EXPECT_LT(kept, 1.0 / 255);
  EXPECT_GT(styled, 0.02);
}

}  // namespace
}  // namespace impasto::testing
