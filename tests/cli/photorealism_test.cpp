// Acceptance of the photorealistic finishers (README "Photorealistic transfer"): on photo pairs the
// local affine residual of the output against the photo (image/affine_residual.h) falls at least 5x
// below plain stylisation's, while the output's colours (mean and covariance in CIELAB) move toward
// the style photo's. IMPASTO_PHOTO_SIZE (default 128) and IMPASTO_PHOTO_ITERATIONS (default 60) set
// the run; the figures are printed as "[ figures  ]" lines.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/affine_residual.h"
#include "image/colour.h"
#include "image/float_mat.h"
#include "image/image_io.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

torch::Tensor lab(const torch::Tensor& rgb) {
  cv::Mat converted;
  cv::cvtColor(to_float_mat(rgb.clamp(0, 1)), converted, cv::COLOR_RGB2Lab);
  return from_float_mat(converted);
}

// How far two images' colour distributions are apart in CIELAB: the distance of their means and the
// square root of the (Frobenius) distance of their covariances, both in Lab units.
struct LabDistance {
  double mean = 0, covariance = 0;
};
LabDistance lab_distance(const torch::Tensor& a, const torch::Tensor& b) {
  const ColourStatistics sa = colour_statistics(lab(a)), sb = colour_statistics(lab(b));
  return {(sa.mean - sb.mean).norm().item<double>(), std::sqrt((sa.covariance - sb.covariance).norm().item<double>())};
}

struct Pair {
  fs::path content, style;
};

class Photorealism : public ::testing::TestWithParam<Pair> {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(GetParam().content) || !fs::exists(GetParam().style))
      GTEST_SKIP() << "shared models/images not present";
  }
  torch::Tensor run(const std::string& name, const std::string& extra) {
    const fs::path output = dir / name;
    const CommandResult result = run_impasto(
        "stylize --content " + q(GetParam().content) + " --style " + q(GetParam().style) + " --model-file " +
        q(squeezenet_file()) + " --size " + std::to_string(size) + " --iterations " + std::to_string(iterations) +
        " --output " + q(output) + " " + extra);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    if (const char* keep = std::getenv("IMPASTO_PHOTO_KEEP"))
      fs::copy_file(output, fs::path(keep) / (GetParam().content.stem().string() + "_" +
                                              GetParam().style.stem().string() + "_" + name),
                    fs::copy_options::overwrite_existing);
    return load_image(output.string(), "output");
  }
  const int size = setting("IMPASTO_PHOTO_SIZE", 128), iterations = setting("IMPASTO_PHOTO_ITERATIONS", 60);
  TempDir dir;
};

TEST_P(Photorealism, OutputsStayLocallyAffineInThePhotoWhileTakingTheStylesColours) {
  const torch::Tensor plain = run("plain.png", ""), smooth = run("guided.png", "--smooth guided"),
                      real = run("photorealistic.png", "--photorealistic");
  const torch::Tensor content = resize_to(load_image(GetParam().content.string(), "content"), plain.size(2), plain.size(3));
  const torch::Tensor style = load_image(GetParam().style.string(), "style");
  const double plain_residual = local_affine_residual(plain, content);
  const double smooth_residual = local_affine_residual(smooth, content);
  const double real_residual = local_affine_residual(real, content);
  const LabDistance start = lab_distance(content, style), plain_lab = lab_distance(plain, style),
                    smooth_lab = lab_distance(smooth, style), real_lab = lab_distance(real, style);
  std::printf("[ figures  ] %s x %s at %d px, %d iterations: affine residual plain %.3g, --smooth guided %.3g "
              "(%.0fx lower), --photorealistic %.3g (%.0fx lower); Lab distance to the style (mean, covariance): "
              "photo %.1f, %.1f; plain %.1f, %.1f; guided %.1f, %.1f; photorealistic %.1f, %.1f\n",
              GetParam().content.filename().c_str(), GetParam().style.filename().c_str(), size, iterations,
              plain_residual, smooth_residual, plain_residual / smooth_residual, real_residual,
              plain_residual / real_residual, start.mean, start.covariance, plain_lab.mean, plain_lab.covariance,
              smooth_lab.mean, smooth_lab.covariance, real_lab.mean, real_lab.covariance);
  EXPECT_GT(plain_residual, 5 * smooth_residual);
  EXPECT_GT(plain_residual, 5 * real_residual);
  // The colours moved toward the style photo's: both their mean and their covariance.
  EXPECT_LT(smooth_lab.mean, start.mean);
  EXPECT_LT(smooth_lab.covariance, start.covariance);
  EXPECT_LT(real_lab.mean, start.mean);
  EXPECT_LT(real_lab.covariance, start.covariance);
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, Photorealism,
    ::testing::Values(Pair{shared_image("tubingen.jpg"), shared_image("golden_gate.jpg")},
                      Pair{shared_image("tubingen.jpg"), shared_image("hoovertowernight.jpg")},
                      Pair{"/usr/share/doc/opencv-doc/examples/data/building.jpg", shared_image("hoovertowernight.jpg")}),
    [](const auto& info) {
      return info.param.content.stem().string() + "_" + info.param.style.stem().string();
    });

class PhotorealisticOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
  }
  std::string base(const std::string& output) const {
    return "stylize --content " + q(shared_image("tubingen.jpg")) + " --style " + q(shared_image("golden_gate.jpg")) +
           " --model-file " + q(squeezenet_file()) + " --size 64 --iterations 20 --output " + q(dir / output) + " ";
  }
  TempDir dir;
};

TEST_F(PhotorealisticOptions, TilesAreRefusedOnOneLine) {
  const CommandResult result = run_impasto(base("tiled.png") + "--size 256 --tile 128 --photorealistic");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--photorealistic cannot be combined with --tile"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "tiled.png"));
}

// The paper's augmented style loss is --content-map/--style-map: each region takes the style of the
// same colour, and the matting term keeps the result a photo.
TEST_F(PhotorealisticOptions, CombinesWithSemanticMaps) {
  // Sky (top) and the rest, split at a third of the height, in both pictures.
  auto write_map = [&](const std::string& name, const fs::path& image) {
    const torch::Tensor picture = load_image(image.string(), "map source");
    cv::Mat map(static_cast<int>(picture.size(2)), static_cast<int>(picture.size(3)), CV_8UC3, cv::Scalar(255, 0, 0));
    map.rowRange(0, map.rows / 3).setTo(cv::Scalar(0, 0, 255));
    cv::imwrite((dir / name).string(), map);
  };
  write_map("content_map.png", shared_image("tubingen.jpg"));
  write_map("style_map.png", shared_image("golden_gate.jpg"));
  const std::string maps = "--content-map " + q(dir / "content_map.png") + " --style-map " + q(dir / "style_map.png");
  for (const auto& [name, extra] : {std::pair<std::string, std::string>{"mapped.png", maps},
                                    {"mapped_real.png", maps + " --photorealistic --report " + q(dir / "r.json")}}) {
    const CommandResult result = run_impasto(base(name) + extra);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  const torch::Tensor mapped = load_image((dir / "mapped.png").string(), "output"),
                      real = load_image((dir / "mapped_real.png").string(), "output");
  const torch::Tensor content = resize_to(load_image(shared_image("tubingen.jpg").string(), "c"), real.size(2), real.size(3));
  std::printf("[ figures  ] with maps: affine residual %.3g, with --photorealistic %.3g\n",
              local_affine_residual(mapped, content), local_affine_residual(real, content));
  EXPECT_GT(local_affine_residual(mapped, content), 3 * local_affine_residual(real, content));
  std::ifstream report(dir / "r.json");
  const std::string text((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"matting\""), std::string::npos) << "the report lists the matting term";
}

}  // namespace
}  // namespace impasto::testing
