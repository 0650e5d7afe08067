#include "impasto/estimate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "estimate/flops.h"
#include "image/image_io.h"
#include "nets/network.h"
#include "runtime/cpu_runtime.h"
#include "run/run_plan.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

// Measured on Debian 12's libtorch 1.13 (peak RSS of runs with --iterations 12, so that the L-BFGS
// history is full, on SqueezeNet and VGG-19 at 256 to 1024 px; README "Memory and speed"):
// the process before any image-sized work (libraries, thread pools, BLAS buffers),
constexpr double kFixedBytes = 190e6;
// and the multiple of the layer outputs that an iteration holds at its peak: each output once,
// kept for backward, plus the caching allocator's spare blocks and oneDNN's layout copies.
constexpr double kActivationFactor = 2.0;
// Image-sized tensors outside the network: the image, its gradient, the content, L-BFGS's
// direction and previous gradient, the preprocessed copy (floats per pixel and channel).
constexpr double kImageCopies = 12;
// Timing a smaller image measures per-layer overheads more than arithmetic speed.
constexpr int kCalibrationSize = 256;

struct Footprint {
  double activations = 0, largest_step = 0;
};

Footprint footprint(const Network& network, int64_t height, int64_t width) {
  Footprint f;
  for (const auto& s : network.shapes(height, width)) {
    const double out = 4.0 * s.channels * s.height * s.width, in = 4.0 * s.in_channels * s.in_height * s.in_width;
    f.activations += out;
    f.largest_step = std::max(f.largest_step, out + in);  // a backward step holds both gradients
  }
  return f;
}

double image_bytes(int64_t height, int64_t width) { return 4.0 * 3 * height * width; }

// Memory of optimising a height x width image at once (also a tile), without the fixed part.
double iteration_bytes(const Network& network, int history, int64_t height, int64_t width) {
  const Footprint f = footprint(network, height, width);
  return kActivationFactor * f.activations + f.largest_step +
         (2.0 * history + kImageCopies) * image_bytes(height, width);
}

double weights_file_bytes(const fs::path& path) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) return static_cast<double>(fs::file_size(path, error));
  double total = 0;
  if (fs::is_directory(path, error))
    for (const auto& entry : fs::recursive_directory_iterator(path, error))
      if (entry.is_regular_file(error)) total += static_cast<double>(entry.file_size(error));
  return total;
}

// Seconds per GFLOP of one iteration, timed on random weights and images at a small size.
double seconds_per_gflop(const Network& network, const ObjectiveConfig& config, int size) {
  torch::manual_seed(0);
  const torch::Tensor content = torch::rand({1, 3, size, size});
  Objective objective(network, config, content, {torch::rand({1, 3, size, size})}, {});
  torch::Tensor image = content.clone().requires_grad_(true);
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {  // the first one warms up
    const auto start = std::chrono::steady_clock::now();
    objective.evaluate(image);
    image.mutable_grad().reset();
    if (i > 0) best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best / iteration_gflop(network, config, size, size);
}

std::string megabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MB", bytes / 1048576.0);
  return text;
}

std::string duration(double seconds) {
  char text[48];
  if (seconds < 120) std::snprintf(text, sizeof text, "%.0f s", seconds);
  else if (seconds < 7200) std::snprintf(text, sizeof text, "%.0f min %02.0f s", std::floor(seconds / 60), std::fmod(seconds, 60));
  else std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  return text;
}

}  // namespace

RunEstimate estimate_run(const Options& options) {
  validate(options);
  check_writable_image_path(options.output);
  prepare_cpu_runtime(options.threads);
  const RunPlan plan = plan_run(options);
  const double file_bytes = plan.random_weights() ? 0.0 : weights_file_bytes(plan.weights_path);
  NetworkConfig network_config = plan.network;
  network_config.device = torch::kCPU;  // the model below is of CPU memory and speed
  const Network network(*plan.spec, nullptr, plan.taps(), network_config);

  RunEstimate estimate;
  for (const auto& conv : network.convolutions())
    estimate.weights_bytes += (conv.weight.numel() + conv.bias.numel()) * 4;
  const double fixed = kFixedBytes + static_cast<double>(estimate.weights_bytes);
  // Reading a weights file holds the whole file next to the built layers for a moment.
  estimate.peak_memory_bytes = static_cast<int64_t>(fixed + file_bytes);

  for (const auto& path : options.styles) load_image(path, "style image");
  const int calibration_size = std::min(kCalibrationSize, options.tile > 0 ? options.tile : options.size);
  const double per_gflop = seconds_per_gflop(network, plan.objective, calibration_size);
  estimate.calibration_size = calibration_size;
  estimate.calibration_gflops = 1 / per_gflop;

  const int history = plan.optimizer.lbfgs_history;
  for (const RunPlan::Scale& planned : plan.scales) {
    RunEstimate::Scale scale;
    scale.size = planned.size;
    scale.height = planned.height;
    scale.width = planned.width;
    double bytes;
    if (planned.tiled) {
      const auto tiles = tile_grid(scale.height, scale.width, plan.tiling.tile, plan.tiling.overlap);
      const TileRect& t = tiles.front();
      scale.tiles = static_cast<int>(tiles.size());
      // One tile at a time, plus the whole image and content and the seam measure's buffers.
      bytes = iteration_bytes(network, history, t.height, t.width) + 4 * image_bytes(scale.height, scale.width);
      // Each visit also computes its crop's content targets: about a third of an iteration.
      const double visit =
          iteration_gflop(network, plan.objective, t.height, t.width) * (1 + 1.0 / (3 * plan.tiling.steps));
      scale.seconds_per_iteration = visit * per_gflop * scale.tiles;
    } else {
      bytes = iteration_bytes(network, history, scale.height, scale.width);
      scale.seconds_per_iteration = iteration_gflop(network, plan.objective, scale.height, scale.width) * per_gflop;
    }
    scale.peak_memory_bytes = static_cast<int64_t>(fixed + bytes);
    scale.seconds = scale.seconds_per_iteration * plan.optimizer.iterations;
    estimate.peak_memory_bytes = std::max(estimate.peak_memory_bytes, scale.peak_memory_bytes);
    estimate.seconds += scale.seconds;
    estimate.scales.push_back(scale);
  }
  return estimate;
}

std::string describe(const RunEstimate& e) {
  std::string text = "estimated peak memory: " + megabytes(static_cast<double>(e.peak_memory_bytes)) + "\n";
  text += "estimated time: " + duration(e.seconds) + "\n";
  for (const auto& s : e.scales) {
    char line[200];
    std::snprintf(line, sizeof line, "  scale %dx%d%s: %s, %.3f s per iteration, %s\n", static_cast<int>(s.width),
                  static_cast<int>(s.height),
                  s.tiles ? (" in " + std::to_string(s.tiles) + " tiles").c_str() : "",
                  megabytes(static_cast<double>(s.peak_memory_bytes)).c_str(), s.seconds_per_iteration,
                  duration(s.seconds).c_str());
    text += line;
  }
  char line[160];
  std::snprintf(line, sizeof line, "  weights %s; speed %.1f GFLOP/s (one iteration timed at %d px)\n",
                megabytes(static_cast<double>(e.weights_bytes)).c_str(), e.calibration_gflops, e.calibration_size);
  return text + line;
}

}  // namespace impasto
