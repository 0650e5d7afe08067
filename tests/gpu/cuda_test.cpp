// The GPU-marked tests (the impasto_gpu_tests binary): they need a build against a CUDA libtorch and a
// CUDA device, and skip, saying so, anywhere else. scripts/cuda/check.sh runs them on a GPU machine.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "impasto/bench.h"
#include "impasto/stylize.h"
#include "nets/network.h"
#include "run/run_plan.h"
#include "test_support.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

using impasto::testing::shared_image;
using impasto::testing::squeezenet_file;

#define REQUIRE_CUDA()            \
  if (!torch::cuda::is_available()) \
  GTEST_SKIP() << "no CUDA device, or this build's libtorch has no CUDA; scripts/cuda/check.sh runs these on a GPU machine"

Options small_run(const std::string& device, const std::string& precision, int iterations) {
  Options o;
  o.content = shared_image("tubingen.jpg").string();
  o.styles = {shared_image("starry_night.jpg").string()};
  o.model = "vgg19";
  o.model_file = "random";  // the same He-initialised weights for every run: torch::manual_seed below
  o.size = 256;
  o.iterations = iterations;
  o.init = "noise";
  o.device = device;
  o.precision = precision;
  o.output = (std::filesystem::temp_directory_path() / ("impasto_gpu_" + device + "_" + precision + ".png")).string();
  return o;
}

std::vector<double> loss_curve(const Options& options) {
  torch::manual_seed(0);
  const RunResult result = stylize(options);
  std::vector<double> curve;
  for (const auto& record : result.iterations) curve.push_back(record.total_loss);
  return curve;
}

// One evaluation of the same image, weights and targets: the same loss and gradient as on the CPU.
TEST(Cuda, Fp32EvaluationMatchesTheCpu) {
  REQUIRE_CUDA();
  struct Evaluation {
    double loss;
    torch::Tensor gradient;
  };
  auto evaluate = [](const std::string& device) {
    Options options = small_run(device, "fp32", 1);
    RunPlan plan = plan_run(options);
    torch::manual_seed(0);
    auto network = build_network(plan);
    torch::manual_seed(1);
    torch::Tensor content = torch::rand({1, 3, 128, 128}), style = torch::rand({1, 3, 128, 128});
    const auto on = torch::TensorOptions().device(plan.network.device);
    Objective objective(*network, plan.objective, content.to(on.device()), {style.to(on.device())}, {});
    torch::Tensor image = torch::rand({1, 3, 128, 128}).to(on.device()).requires_grad_(true);
    const double loss = objective.evaluate(image).total;
    return Evaluation{loss, image.grad().cpu()};
  };
  const Evaluation cpu = evaluate("cpu"), gpu = evaluate("cuda");
  EXPECT_NEAR(gpu.loss / cpu.loss, 1.0, 1e-4);
  EXPECT_GT(torch::cosine_similarity(gpu.gradient.flatten(), cpu.gradient.flatten(), 0).item<double>(), 0.9999);
}

// --precision: each reduced precision's loss curve stays close to fp32's (the Gram matrices and the
// losses are computed in fp32 in all of them).
TEST(Cuda, ReducedPrecisionLossCurvesFollowFp32) {
  REQUIRE_CUDA();
  const std::vector<double> fp32 = loss_curve(small_run("cuda", "fp32", 100));
  for (const std::string precision : {"tf32", "bf16", "fp16"}) {
    const std::vector<double> curve = loss_curve(small_run("cuda", precision, 100));
    ASSERT_EQ(curve.size(), fp32.size()) << precision;
    EXPECT_NEAR(curve.front() / fp32.front(), 1.0, precision == "tf32" ? 0.01 : 0.03) << precision;
    // L-BFGS paths part after a few dozen iterations (bf16 was 3x fp32's loss at iteration 50 in one
    // run, then level again), so the curves are compared where they start and where they end.
    EXPECT_NEAR(curve[9] / fp32[9], 1.0, 0.25) << precision << " at iteration 10";
    EXPECT_NEAR(curve.back() / fp32.back(), 1.0, 0.25) << precision << " at iteration " << curve.size();
    EXPECT_LT(curve.back(), 0.2 * curve.front()) << precision;
  }
}

TEST(Cuda, Fp16GradientsThatOverflowAreRecomputedWithASmallerScale) {
  REQUIRE_CUDA();
  Options options = small_run("cuda", "fp16", 1);
  options.style_weight = 1e12;  // gradients far beyond fp16's range once scaled by 65536
  RunPlan plan = plan_run(options);
  torch::manual_seed(0);
  auto network = build_network(plan);
  const auto on_gpu = torch::TensorOptions().device(torch::kCUDA);
  torch::Tensor content = torch::rand({1, 3, 128, 128}, on_gpu), style = torch::rand({1, 3, 128, 128}, on_gpu);
  Objective objective(*network, plan.objective, content, {style}, {});
  torch::Tensor image = content.clone().requires_grad_(true);
  LossValues losses;
  int evaluations = 0;
  do {
    if (image.grad().defined()) image.mutable_grad().zero_();
    losses = objective.evaluate(image);
    ++evaluations;
  } while (losses.repeat && evaluations < 40);
  EXPECT_GT(evaluations, 1);
  EXPECT_LT(network->gradient_scale(), 65536);
  EXPECT_TRUE(torch::isfinite(image.grad()).all().item<bool>());
  EXPECT_GT(image.grad().abs().sum().item<double>(), 0);
}

TEST(Cuda, BenchTimesTheGpuAgainstItsOwnMatrixProduct) {
  REQUIRE_CUDA();
  BenchOptions options;
  options.networks = {"squeezenet"};
  options.sizes = {128};
  options.iterations = 2;
  options.device = "cuda";
  const auto rows = run_bench(options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(rows[0].seconds_per_iteration, 0);
  EXPECT_GT(rows[0].sgemm_gflops, 1000) << "a GPU's fp32 matrix product runs at teraflops";
  EXPECT_NE(rows[0].blas.find("cuBLAS"), std::string::npos);
}

}  // namespace
}  // namespace impasto
