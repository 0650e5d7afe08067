// End-to-end tests of the impasto binary on the real SqueezeNet weights at small sizes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
  }
  std::string model() const { return " --model-file " + q(squeezenet_file()) + " "; }
  std::string content() const { return " --content " + q(shared_image("tubingen.jpg")) + " "; }
  std::string style(const std::string& name = "starry_night.jpg") const {
    return " --style " + q(shared_image(name)) + " ";
  }
  nlohmann::json read_json(const fs::path& path) const {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  // Style loss at the first iteration versus the written image.
  double style_reduction(const nlohmann::json& report) const {
    const double start = report["iterations"][0]["style_loss"];
    const double end = report["final"]["style_loss"];
    return 1.0 - end / start;
  }
  TempDir dir;
};

TEST_F(Cli, StylizeLowersStyleLossAndWritesTheImage) {
  auto result = run_impasto("stylize" + content() + style() + model() + "--size 128 --iterations 50 --output " +
                            q(dir / "out.png") + " --report " + q(dir / "report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  cv::Mat image = cv::imread((dir / "out.png").string());
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 128);  // tubingen is 1024x768
  EXPECT_EQ(image.rows, 96);
  auto report = read_json(dir / "report.json");
  EXPECT_GT(style_reduction(report), 0.9) << report["final"].dump();
  EXPECT_EQ(report["iterations"].size(), 50u);
  EXPECT_EQ(report["options"]["size"], 128);
  EXPECT_EQ(report["network"]["name"], "squeezenet");
  EXPECT_EQ(report["options"]["input_convention"], "auto");
  EXPECT_EQ(report["network"]["input"]["convention"], "caffe");
  EXPECT_EQ(report["network"]["input"]["source"], "network default");
  EXPECT_EQ(report["network"]["input"]["mean"][0], 104.006);
  EXPECT_EQ(report["content_size"]["width"], 1024);
  EXPECT_EQ(report["output_size"]["height"], 96);
  for (const char* key : {"iteration", "content_loss", "style_loss", "tv_loss", "total_loss", "seconds"})
    EXPECT_TRUE(report["iterations"][49].contains(key)) << key;
  // Every loss term by name, next to the named fields, and summing to the total.
  const auto& terms = report["iterations"][49]["losses"];
  ASSERT_EQ(terms.size(), 3u) << terms.dump();
  EXPECT_EQ(terms["style"], report["iterations"][49]["style_loss"]);
  EXPECT_EQ(terms["content"], report["iterations"][49]["content_loss"]);
  EXPECT_NEAR(terms["content"].get<double>() + terms["style"].get<double>() + terms["tv"].get<double>(),
              report["iterations"][49]["total_loss"].get<double>(), 1e-9 * report["iterations"][49]["total_loss"].get<double>());
  EXPECT_GT(report["final"]["peak_memory_bytes"].get<double>(), 1e6);
  EXPECT_GT(report["iterations"][49]["seconds"].get<double>(), report["iterations"][0]["seconds"].get<double>());
  // The picture still shows the photo: the output is closer to the content than to flat grey.
  cv::Mat photo = cv::imread(shared_image("tubingen.jpg").string()), small;
  cv::resize(photo, small, image.size(), 0, 0, cv::INTER_AREA);
  EXPECT_LT(cv::norm(image, small, cv::NORM_L1), cv::norm(image, cv::Mat(image.size(), image.type(), cv::Scalar::all(128)), cv::NORM_L1));
}

TEST_F(Cli, BlendedStylesLowerStyleLoss) {
  auto result = run_impasto("stylize" + content() + style() + style("the_scream.jpg") + model() +
                            "--style-blend 0.6,0.4 --size 128 --iterations 50 --output " + q(dir / "out.png") +
                            " --report " + q(dir / "report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto report = read_json(dir / "report.json");
  EXPECT_GT(style_reduction(report), 0.9) << report["final"].dump();
  EXPECT_EQ(report["options"]["style_blend"][1], 0.4);
  EXPECT_TRUE(fs::exists(dir / "out.png"));
}

TEST_F(Cli, TextureSynthesisFromStyleAlone) {
  auto result = run_impasto("texture" + style() + model() + "--size 128 --iterations 50 --output " +
                            q(dir / "tex.png") + " --report " + q(dir / "report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  cv::Mat image = cv::imread((dir / "tex.png").string());
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 128);
  EXPECT_EQ(image.rows, 128);
  auto report = read_json(dir / "report.json");
  EXPECT_GT(style_reduction(report), 0.9) << report["final"].dump();
  EXPECT_EQ(report["final"]["content_loss"], 0.0);
}

TEST_F(Cli, NoiseInitialisationWithASeedIsDeterministic) {
  auto run = [&](const std::string& name, int seed) {
    auto result = run_impasto("stylize" + content() + style() + model() + "--init noise --seed " +
                              std::to_string(seed) + " --size 96 --iterations 10 --output " + q(dir / name));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return cv::imread((dir / name).string());
  };
  cv::Mat a = run("a.png", 3), b = run("b.png", 3), c = run("c.png", 4);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a, c, cv::NORM_INF), 0.0);
}

TEST_F(Cli, SnapshotsAndAdam) {
  auto result = run_impasto("stylize" + content() + style() + model() +
                            "--optimizer adam --size 96 --iterations 6 --save-every 3 --output " + q(dir / "o.png"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(dir / "o_0003.png"));
  EXPECT_TRUE(fs::exists(dir / "o_0006.png"));
  EXPECT_TRUE(fs::exists(dir / "o.png"));
}

TEST_F(Cli, ToleranceStopsEarly) {
  auto result = run_impasto("stylize" + content() + style() + model() + "--size 96 --iterations 200 --tolerance 0.5 " +
                            "--output " + q(dir / "o.png") + " --report " + q(dir / "r.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_LT(read_json(dir / "r.json")["iterations"].size(), 200u);
}

TEST_F(Cli, PartialVgg19RunsOnItsShallowLayersAndNamesAMissingOneAskedFor) {
  const fs::path vgg = shared_dir() / "models" / "vgg19-partial";
  if (!fs::exists(vgg / "model.json")) GTEST_SKIP() << "no shared VGG-19";
  const std::string base = "stylize" + content() + style() + "--model vgg19 --model-file " + q(vgg) +
                           " --size 64 --iterations 5 ";
  auto shallow = run_impasto(base + "--content-layers relu3_2 --style-layers relu1_1,relu2_1,relu3_1,relu3_4 " +
                             "--output " + q(dir / "vgg.png") + " --report " + q(dir / "r.json"));
  ASSERT_EQ(shallow.exit_code, 0) << shallow.output;
  EXPECT_TRUE(fs::exists(dir / "vgg.png"));
  EXPECT_LT(read_json(dir / "r.json")["final"]["style_loss"].get<double>(),
            read_json(dir / "r.json")["iterations"][0]["style_loss"].get<double>());
  // The default layers reach relu5_1: they are cut to the file, and the run says so.
  auto defaults = run_impasto(base + "--output " + q(dir / "defaults.png") + " --report " + q(dir / "d.json"));
  ASSERT_EQ(defaults.exit_code, 0) << defaults.output;
  EXPECT_NE(defaults.output.find("note: " + vgg.string() + " holds only the first part of vgg19: using content " +
                                 "layer relu3_1 (default relu4_2), style layers relu1_1,relu2_1,relu3_1 (default "),
            std::string::npos)
      << defaults.output;
  const auto report = read_json(dir / "d.json");
  EXPECT_EQ(report["notes"].size(), 1u);
  EXPECT_EQ(report["weights"]["style_layers"].size(), 3u) << report["weights"].dump();
  EXPECT_EQ(report["weights"]["content_layers"][0]["layer"], "relu3_1");
  // A layer asked for by name is never dropped.
  auto deep = run_impasto(base + "--style-layers relu1_1,relu4_1 --output " + q(dir / "deep.png"));
  EXPECT_EQ(deep.exit_code, 2) << deep.output;
  EXPECT_NE(deep.output.find("relu4_1"), std::string::npos) << deep.output;
  EXPECT_FALSE(fs::exists(dir / "deep.png"));
}

TEST_F(Cli, RandomWeightsForTimingNeedNoFile) {
  auto result = run_impasto("stylize" + content() + style() + "--model vgg16 --model-file random --size 48 " +
                            "--iterations 2 --output " + q(dir / "o.png"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(dir / "o.png"));
}

TEST_F(Cli, CoarseToFineRunsEveryScaleAndEndsAtTheOutputSize) {
  auto result = run_impasto("stylize" + content() + style() + model() + "--size 128 --scales 2 --iterations 10 " +
                            "--output " + q(dir / "o.png") + " --report " + q(dir / "r.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  cv::Mat image = cv::imread((dir / "o.png").string());
  EXPECT_EQ(image.cols, 128);
  auto report = read_json(dir / "r.json");
  ASSERT_EQ(report["iterations"].size(), 20u);
  EXPECT_EQ(report["iterations"][9]["scale"], 64);
  EXPECT_EQ(report["iterations"][10]["scale"], 128);
  EXPECT_EQ(report["iterations"][19]["iteration"], 20);
  EXPECT_EQ(report["final"]["scale"], 128);
  // The fine scale starts from the upsampled coarse result, below where a run from the photo at
  // that size starts (measured: 0.68 of it).
  auto photo = run_impasto("stylize" + content() + style() + model() + "--size 128 --iterations 1 --output " +
                           q(dir / "p.png") + " --report " + q(dir / "p.json"));
  ASSERT_EQ(photo.exit_code, 0) << photo.output;
  EXPECT_LT(report["iterations"][10]["style_loss"].get<double>(),
            0.85 * read_json(dir / "p.json")["iterations"][0]["style_loss"].get<double>());
  EXPECT_LT(report["final"]["style_loss"].get<double>(), report["iterations"][10]["style_loss"].get<double>());
}

TEST_F(Cli, TiledRunWritesTheWholeImageAndMeasuresItsSeams) {
  auto result = run_impasto("stylize" + content() + style() + model() + "--size 128 --tile 96 --iterations 10 " +
                            "--output " + q(dir / "o.png") + " --report " + q(dir / "r.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  cv::Mat image = cv::imread((dir / "o.png").string());
  EXPECT_EQ(image.cols, 128);
  EXPECT_EQ(image.rows, 96);
  auto report = read_json(dir / "r.json");
  ASSERT_EQ(report["iterations"].size(), 1u);  // one pass of 10 iterations per tile
  EXPECT_EQ(report["iterations"][0]["iteration"], 10);
  EXPECT_GT(report["final"]["seam_ratio"].get<double>(), 0);  // its value and the losses: tiling_test.cpp
  EXPECT_EQ(report["options"]["tile"], 96);
  EXPECT_NE(result.output.find("(128x96, 10 iterations,"), std::string::npos) << result.output;
}

TEST_F(Cli, DryRunEstimatesThePeakMemoryOfTheRunAndWritesNothing) {
  const std::string run = "stylize" + content() + style() + model() + "--size 256 --iterations 12 --output " +
                          q(dir / "o.png") + " --report " + q(dir / "r.json");
  auto dry = run_impasto(run + " --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_FALSE(fs::exists(dir / "o.png"));
  EXPECT_FALSE(fs::exists(dir / "r.json"));
  const std::string key = "estimated peak memory: ";
  const auto at = dry.output.find(key);
  ASSERT_NE(at, std::string::npos) << dry.output;
  const double estimate_mb = std::stod(dry.output.substr(at + key.size()));
  EXPECT_NE(dry.output.find("estimated time: "), std::string::npos) << dry.output;
  // 12 iterations fill the L-BFGS history (10), so the run reaches its steady peak.
  auto real = run_impasto(run);
  ASSERT_EQ(real.exit_code, 0) << real.output;
  const double measured_mb = read_json(dir / "r.json")["final"]["peak_memory_bytes"].get<double>() / 1048576.0;
  EXPECT_NEAR(estimate_mb / measured_mb, 1.0, 0.25) << estimate_mb << " MB estimated, " << measured_mb << " MB measured";
}

TEST_F(Cli, InputConventionOptionIsUsedAndReported) {
  auto result = run_impasto("stylize" + content() + style() + model() +
                            "--size 48 --iterations 1 --input-convention torchvision --output " + q(dir / "out.png") +
                            " --report " + q(dir / "report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto report = read_json(dir / "report.json");
  EXPECT_EQ(report["options"]["input_convention"], "torchvision");
  const auto& input = report["network"]["input"];
  EXPECT_EQ(input["convention"], "torchvision");
  EXPECT_EQ(input["source"], "--input-convention");
  EXPECT_EQ(input["channels"], "RGB");
  EXPECT_EQ(input["range"], 1.0);
  EXPECT_EQ(input["std"][2], 0.225);
}

// Bad input: one line naming the problem, exit code 2, no output file.
struct BadInput {
  std::string name;
  std::string arguments;  // appended to a valid command; {dir} is the temp dir
  std::string message;    // expected in the error line
};

// How gtest names a case in its log (instead of dumping the struct's bytes).
void PrintTo(const BadInput& input, std::ostream* out) { *out << input.name; }

class CliBadInput : public Cli, public ::testing::WithParamInterface<BadInput> {};

TEST_P(CliBadInput, FailsWithOneLineAndExitCode2) {
  write_bytes(dir / "corrupt.jpg", std::string("\xff\xd8\xff\xe0 definitely not a jpeg"));
  write_bytes(dir / "empty.mat", "");
  write_bytes(dir / "garbage.mat", "MATLAB 5.0 MAT-file, truncated");
  fs::create_directories(dir / "folder.jpg");
  std::string arguments = GetParam().arguments;
  for (size_t at; (at = arguments.find("{dir}")) != std::string::npos;) arguments.replace(at, 5, dir.path().string());
  const std::string base = "stylize" + content() + style() + model() + "--size 64 --iterations 2 --output " +
                           q(dir / "out.png") + " ";
  // Later options override earlier ones in CLI11 only for vectors; put the bad one last.
  auto result = run_impasto(arguments.rfind("RAW ", 0) == 0 ? arguments.substr(4) : base + arguments);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  std::string output = result.output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  EXPECT_EQ(output.find('\n'), std::string::npos) << "more than one line:\n" << result.output;
  EXPECT_NE(output.find("error"), std::string::npos) << output;
  EXPECT_NE(output.find(GetParam().message), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

std::string image(const std::string& name) { return "'" + shared_image(name).string() + "'"; }
std::string sqz() { return "'" + squeezenet_file().string() + "'"; }

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadInput,
    ::testing::Values(
        BadInput{"MissingContent", "RAW stylize --content /nonexistent/photo.jpg --style " + image("starry_night.jpg") +
                                       " --model-file " + sqz() + " --output {dir}/out.png",
                 "no such file"},
        BadInput{"DirectoryAsImage", "RAW stylize --content {dir}/folder.jpg --style " + image("starry_night.jpg") +
                                         " --model-file " + sqz() + " --output {dir}/out.png",
                 "is a directory"},
        BadInput{"CorruptStyle", "--style {dir}/corrupt.jpg", "cannot decode style image"},
        BadInput{"EmptyWeights", "--model-file {dir}/empty.mat", "empty"},
        BadInput{"GarbageWeights", "--model-file {dir}/garbage.mat", "garbage.mat"},
        BadInput{"WrongNetworkWeights", "--model-file '" + (shared_dir() / "models/vgg19-partial").string() + "'",
                 "squeezenet"},
        BadInput{"UnknownLayer", "--style-layers conv1,fire12", "unknown layer 'fire12'"},
        BadInput{"ZeroSize", "--size 0", "--size"},
        BadInput{"NegativeSize", "--size -5", "--size"},
        BadInput{"NonNumericOption", "--iterations many", "--iterations"},
        BadInput{"NonNumericWeight", "--style-weight lots", "--style-weight"},
        BadInput{"UnknownNetwork", "--model alexnet", "unknown network 'alexnet'"},
        BadInput{"BadOutputType", "--output {dir}/out.xyz", "unsupported image type"},
        BadInput{"ZeroScales", "--scales 0", "--scales"},
        BadInput{"ScalesNotEndingAtSize", "--scales 32,48", "--scales"},
        BadInput{"TinyTile", "--tile 8", "--tile"},
        BadInput{"TileLargerThanOutput", "--tile 128", "--tile"},
        BadInput{"DryRunChecksInputToo", "--dry-run --scales 0", "--scales"},
        BadInput{"BlendCountMismatch", "--style-blend 1,2", "--style-blend"},
        BadInput{"MissingRequired", "RAW stylize --style " + image("starry_night.jpg"), "--content"},
        BadInput{"UnknownStyleLoss", "--style-loss fancy", "--style-loss must be one of gram, meancov, wasserstein"},
        BadInput{"StyleMaskCount", "--style-mask {dir}/a.png,{dir}/b.png", "--style-mask has 2 images for 1 styles"},
        BadInput{"MissingStyleMask", "--style-mask {dir}/missing.png", "cannot read style mask"},
        BadInput{"CorruptContentMask", "--content-mask {dir}/corrupt.jpg", "cannot decode content mask"},
        BadInput{"StyleMapWithoutContentMap", "--style-map {dir}/map.png", "--content-map"},
        BadInput{"UnknownColourMode", "--preserve-colors sepia", "--preserve-colors"},
        BadInput{"UnknownTuneMode", "--tune sometimes", "--tune must be off, auto or force"},
        BadInput{"UnknownPrecision", "--precision fp8", "--precision must be fp32, tf32, fp16 or bf16"},
        BadInput{"HalfPrecisionOnTheCpu", "--precision fp16", "--precision fp16 needs --device cuda"},
        BadInput{"BenchHalfPrecisionOnTheCpu", "RAW bench --networks squeezenet --sizes 64 --precision bf16",
                 "--precision bf16 needs --device cuda"},
        BadInput{"UnknownBenchTuneMode", "RAW bench --networks squeezenet --sizes 64 --tune always", "--tune must be"},
        BadInput{"SixteenBitJpeg", "--bit-depth 16 --output {dir}/out.jpg", "--bit-depth 16"},
        BadInput{"AnimationType", "--animate {dir}/run.avi", "--animate"},
        BadInput{"UnknownInputConvention", "--input-convention bogus", "--input-convention must be auto, caffe"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

}  // namespace
}  // namespace impasto::testing
