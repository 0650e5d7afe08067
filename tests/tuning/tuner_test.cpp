#include "tuning/tuner.h"

#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "impasto/errors.h"
#include "impasto/stylize.h"
#include "nets/network.h"
#include "runtime/blas_threading.h"
#include "test_support.h"
#include "transfer/objective.h"
#include "tuning/cpu_signature.h"
#include "tuning/tuning_cache.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using impasto::testing::shared_image;
using impasto::testing::squeezenet_file;
using impasto::testing::TempDir;

// Every combination the switches allow, the candidates and more.
std::vector<CpuChoice> every_choice() {
  std::vector<CpuChoice> all;
  for (bool last : {true, false})
    for (bool onednn : {true, false})
      for (bool blas : {false, true}) all.push_back({last, onednn, blas});
  return all;
}

class Tuner : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(2); }
  void TearDown() override { apply_cpu_choice(default_cpu_choice(), 2); }
  ObjectiveConfig objective_config() const {
    const NetworkSpec& spec = network_spec("squeezenet");
    ObjectiveConfig c;
    c.content_layers = parse_layer_weights(spec.default_content_layers, spec, "content");
    c.style_layers = parse_layer_weights(spec.default_style_layers, spec, "style");
    return c;
  }
  TempDir dir;
};

TEST_F(Tuner, ForceMeasuresEveryCandidateAppliesTheFastestAndCachesIt) {
  const NetworkSpec& spec = network_spec("squeezenet");
  const auto taps = Objective::taps(objective_config());
  const NetworkConfig config;
  const TuningOutcome measured = tune_cpu(spec, config, taps, 80, 64, "force", dir / "tuning.json");
  EXPECT_EQ(measured.source, "measured");
  ASSERT_EQ(measured.candidates.size(), 5u);  // two threads: the three BLAS-threaded ones too
  for (size_t i = 0; i < measured.candidates.size(); ++i) {
    EXPECT_GT(measured.candidates[i].seconds, 0.0);
    if (i > 0) EXPECT_LE(measured.candidates[i - 1].seconds, measured.candidates[i].seconds);
  }
  EXPECT_EQ(measured.choice, measured.candidates.front().choice);
  EXPECT_EQ(at::globalContext().userEnabledMkldnn(), measured.choice.onednn);
  EXPECT_EQ(blas_threading() == BlasThreading::Blas, measured.choice.blas_threads);
  EXPECT_TRUE(measured.stored);
  EXPECT_EQ(measured.key, tuning_key(spec, config, taps, 80, 64, 2));
  EXPECT_NE(measured.key.find("squeezenet 64x80, 2 threads, max pooling, taps conv1,fire2,"), std::string::npos)
      << measured.key;
  EXPECT_LT(measured.tuning_seconds, 10.0);  // not a timing test: only that it is not a full run

  // auto: the cached choice, with the timings that led to it; another size: measured anew.
  const TuningOutcome cached = tune_cpu(spec, config, taps, 80, 64, "auto", dir / "tuning.json");
  EXPECT_EQ(cached.source, "cache");
  EXPECT_EQ(cached.choice, measured.choice);
  ASSERT_EQ(cached.candidates.size(), measured.candidates.size());
  EXPECT_DOUBLE_EQ(cached.candidates.back().seconds, measured.candidates.back().seconds);
  EXPECT_NE(tuning_table(cached).find("cached from a measurement"), std::string::npos) << tuning_table(cached);
  EXPECT_EQ(tune_cpu(spec, config, taps, 64, 64, "auto", dir / "tuning.json").source, "measured");

  // off: the default, whatever the cache says.
  const TuningOutcome off = tune_cpu(spec, config, taps, 80, 64, "off", dir / "tuning.json");
  EXPECT_EQ(off.source, "off");
  EXPECT_EQ(off.choice, default_cpu_choice());
  EXPECT_TRUE(off.choice.channels_last);
  EXPECT_TRUE(at::globalContext().userEnabledMkldnn());
  EXPECT_EQ(blas_threading(), BlasThreading::Split);
  EXPECT_THROW(tune_cpu(spec, config, taps, 80, 64, "sometimes", dir / "tuning.json"), InputError);
}

TEST_F(Tuner, ACachedChoiceIsUsedAsStored) {
  const NetworkSpec& spec = network_spec("squeezenet");
  const auto taps = Objective::taps(objective_config());
  const CpuChoice stored{false, false, true};
  nlohmann::json record = {{"choice", stored},
                           {"candidates", nlohmann::json::array({{{"choice", stored}, {"seconds", 0.5}}})}};
  ASSERT_TRUE(TuningCache(dir / "tuning.json").store(cpu_signature(), tuning_key(spec, {}, taps, 64, 64, 2), record));
  const TuningOutcome outcome = tune_cpu(spec, {}, taps, 64, 64, "auto", dir / "tuning.json");
  EXPECT_EQ(outcome.source, "cache");
  EXPECT_EQ(outcome.choice, stored);
  EXPECT_FALSE(at::globalContext().userEnabledMkldnn());
  EXPECT_EQ(blas_threading(), BlasThreading::Blas);
}

TEST_F(Tuner, DoublePrecisionNetworksAreNotTuned) {
  NetworkConfig config;
  config.dtype = torch::kDouble;
  EXPECT_EQ(tune_cpu(network_spec("squeezenet"), config, {"fire2"}, 64, 64, "force", dir / "tuning.json").source,
            "not float32");
  EXPECT_FALSE(fs::exists(dir / "tuning.json"));
}

TEST_F(Tuner, TheModeComesFromTheOptionElseTheEnvironmentElseAuto) {
  ::setenv("IMPASTO_TUNE", "off", 1);
  EXPECT_EQ(tune_mode(), "off");
  ::setenv("IMPASTO_TUNE", "often", 1);
  EXPECT_THROW(tune_mode(), InputError);
  ::unsetenv("IMPASTO_TUNE");
  EXPECT_EQ(tune_mode(), "auto");
  EXPECT_THROW(set_tune_mode("always"), InputError);
  set_tune_mode("force");
  EXPECT_EQ(tune_mode(), "force");
  set_tune_mode("auto");
}

// Measuring uses random weights and inputs, but leaves the random generator as it found it: a
// seeded run gives the same noise with tuning on and off.
TEST_F(Tuner, MeasuringLeavesTheRandomGeneratorAlone) {
  torch::manual_seed(42);
  const torch::Tensor expected = torch::rand({5});
  torch::manual_seed(42);
  tune_cpu(network_spec("squeezenet"), {}, {"conv1", "fire2"}, 48, 48, "force", dir / "tuning.json");
  EXPECT_TRUE(torch::equal(torch::rand({5}), expected));
}

// Every choice computes the same loss and image gradient as the default, to float rounding.
TEST_F(Tuner, EveryChoiceGivesTheSameLossAndGradient) {
  std::unique_ptr<WeightSource> weights;
  if (fs::exists(squeezenet_file())) weights = open_weights(squeezenet_file());
  torch::manual_seed(2);
  const torch::Tensor content = torch::rand({1, 3, 72, 60}), style = torch::rand({1, 3, 64, 64});
  const torch::Tensor start = torch::rand({1, 3, 72, 60});
  auto evaluate = [&](const CpuChoice& choice) {
    apply_cpu_choice(choice, 2);
    NetworkConfig config;
    config.channels_last = choice.channels_last;
    torch::manual_seed(3);  // the same random weights when there is no file
    const Network network(network_spec("squeezenet"), weights.get(), Objective::taps(objective_config()), config);
    Objective objective(network, objective_config(), content, {style}, {});
    torch::Tensor image = start.clone().requires_grad_(true);
    const double loss = objective.evaluate(image).total;
    return std::make_pair(loss, image.grad().contiguous());
  };
  const auto [loss, grad] = evaluate(default_cpu_choice());
  for (const CpuChoice& choice : every_choice()) {
    const auto [other_loss, other_grad] = evaluate(choice);
    EXPECT_NEAR(other_loss, loss, 1e-5 * loss) << choice.name();
    EXPECT_TRUE(torch::allclose(other_grad, grad, 1e-3, 1e-4 * grad.abs().max().item<double>())) << choice.name();
  }
}

// The whole run: outputs with tuning off, measured, and with each choice taken from the cache agree
// to 1e-4 per pixel (16-bit PNGs, so that 8-bit rounding does not hide or cause differences).
// Over a short run only: L-BFGS amplifies float rounding, and after 8 iterations the layouts
// differed by 3.5e-4 and native against oneDNN convolutions by 1.1e-2 (this machine, SqueezeNet).
TEST_F(Tuner, StylizedOutputsAgreeWithTuningOnAndOff) {
  if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
    GTEST_SKIP() << "shared models/images not present";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg ? xdg : "";
  ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  Options options;
  options.content = shared_image("tubingen.jpg").string();
  options.styles = {shared_image("starry_night.jpg").string()};
  options.model_file = squeezenet_file().string();
  options.size = 64;
  options.iterations = 2;
  options.init = "noise";
  options.seed = 5;
  options.threads = 2;
  options.bit_depth = 16;
  auto run = [&](const std::string& tune, const std::string& name) {
    set_tune_mode(tune);
    options.output = (dir / name).string();
    stylize(options);
    cv::Mat pixels = cv::imread(options.output, cv::IMREAD_UNCHANGED);  // 16 bits kept
    EXPECT_EQ(pixels.depth(), CV_16U);
    return pixels;
  };
  // Largest difference per pixel and channel, in 0..1.
  auto difference = [](const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF) / 65535.0; };
  const cv::Mat off = run("off", "off.png");
  const cv::Mat measured = run("force", "force.png");
  EXPECT_LE(difference(measured, off), 1e-4);
  // The cache now holds this run's one shape: make it name each choice in turn.
  const fs::path path = dir / "impasto" / "tuning.json";
  nlohmann::json cache = nlohmann::json::parse(std::ifstream(path));
  ASSERT_EQ(cache["machines"].size(), 1u);
  auto& records = cache["machines"].begin().value();
  ASSERT_EQ(records.size(), 1u);
  for (const CpuChoice& choice : every_choice()) {
    records.begin().value()["choice"] = choice;
    std::ofstream(path) << cache.dump();
    EXPECT_LE(difference(run("auto", "auto.png"), off), 1e-4) << choice.name();
  }
  set_tune_mode("auto");
  if (xdg) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace impasto
