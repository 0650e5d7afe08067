#include "impasto/bench.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/op_profile.h"
#include "estimate/flops.h"
#include "impasto/errors.h"
#include "impasto/stylize.h"
#include "nets/network.h"
#include "runtime/blas.h"
#include "runtime/cpu_runtime.h"
#include "run/run_plan.h"
#include "tuning/tuner.h"

namespace impasto {
namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double best_seconds(int repeats, F&& work) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

// Each convolution alone: forward plus the gradient with respect to its input, as in an iteration.
double time_convolutions(const Network& network, int64_t height, int64_t width, int repeats) {
  const auto shapes = network.shapes(height, width);
  const auto convs = network.convolutions();
  double total = 0;
  size_t c = 0;
  for (const auto& shape : shapes) {
    if (shape.spec->op != NodeOp::Conv) continue;
    const auto& conv = convs[c++];
    auto format = conv.weight.is_contiguous(at::MemoryFormat::ChannelsLast) ? at::MemoryFormat::ChannelsLast
                                                                              : at::MemoryFormat::Contiguous;
    torch::Tensor input = torch::randn({1, shape.in_channels, shape.in_height, shape.in_width},
                                       conv.weight.options())
                              .contiguous(format)
                              .requires_grad_(true);
    torch::Tensor grad = torch::randn({1, shape.channels, shape.height, shape.width}, conv.weight.options())
                             .contiguous(format);
    auto step = [&] {
      torch::Tensor out = torch::conv2d(input, conv.weight, conv.bias, shape.spec->stride, shape.spec->padding);
      out.backward(grad);
      if (input.is_cuda()) input.grad().index({0, 0, 0, 0}).item<float>();  // waits for the asynchronous kernels
      input.mutable_grad().reset();
    };
    step();
    total += best_seconds(repeats, step);
  }
  return total;
}

// Chooses the CPU layout and paths for this network and size (or reads the cached choice), applies
// the process-wide part and returns the layout to build the network in; the row shows what was
// chosen and each candidate's timing.
bool tune_for_row(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                  int size, const std::string& mode, BenchRow& row) {
  const TuningOutcome outcome = tune_cpu(spec, config, taps, size, size, mode);
  row.tuning = tuning_table(outcome);
  row.tuning_choice = outcome.choice.name();
  row.tuning_source = outcome.source;
  for (const auto& candidate : outcome.candidates)
    row.tuning_candidates.emplace_back(candidate.choice.name(), candidate.seconds);
  return outcome.choice.channels_last;
}

}  // namespace

double measure_sgemm_gflops(int n) {
  torch::NoGradGuard no_grad;
  // Split across all threads as the losses' own products are (OpenBLAS itself runs one thread).
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  parallel_mm(a, b);
  const double seconds = best_seconds(5, [&] { parallel_mm(a, b); });
  return 2.0 * n * n * n / seconds / 1e9;
}

// The GPU's own matrix-product rate in the run's precision, the reference its rows are compared with.
static double measure_gpu_matmul_gflops(const torch::Device& device, torch::Dtype dtype, int n = 8192) {
  torch::NoGradGuard no_grad;
  const auto on_gpu = torch::TensorOptions().device(device).dtype(dtype);
  torch::Tensor a = torch::randn({n, n}, on_gpu), b = torch::randn({n, n}, on_gpu);
  auto product = [&] { torch::mm(a, b).index({0, 0}).item<float>(); };  // .item waits for the kernel
  product();
  return 2.0 * n * n * n / best_seconds(5, product) / 1e9;
}

std::vector<BenchRow> run_bench(const BenchOptions& options) {
  check_tune_mode(options.tune);
  prepare_cpu_runtime(options.threads);
  std::vector<BenchRow> rows;
  const bool on_gpu = options.device == "cuda";
  Options probe;  // the run plan's checks of --device and --precision, before any measurement
  probe.content = probe.styles.emplace_back("random image");
  probe.model_file = "random";
  probe.device = options.device;
  probe.precision = options.precision;
  const torch::Device device = plan_run(probe, ImageSize{256, 256}, false).network.device;
  const double sgemm = on_gpu ? measure_gpu_matmul_gflops(device, network_dtype(options.precision))
                              : measure_sgemm_gflops();
  const auto names = options.networks.empty() ? network_names() : options.networks;
  for (const auto& name : names) {
    // The run plan of a default run on this network: installed weights when they cover the default
    // layers (partial files do not: the plan would cut the layers, and the work would differ), else random.
    Options defaults;
    defaults.content = defaults.styles.emplace_back("random image");  // a photo run, on random tensors
    defaults.model = name;
    defaults.device = options.device;
    defaults.precision = options.precision;
    defaults.model_dir = options.model_dir;
    RunPlan plan = [&] {
      try {
        RunPlan installed = plan_run(defaults, ImageSize{256, 256});
        if (installed.notes.empty()) return installed;
      } catch (const InputError&) {
      }
      defaults.model_file = "random";
      return plan_run(defaults, ImageSize{256, 256});
    }();
    const ObjectiveConfig& config = plan.objective;
    const std::string weights_name = plan.weights_path.string();
    const NetworkSpec& spec = *plan.spec;
    NetworkConfig& network_config = plan.network;
    const auto taps = plan.taps();
    // Rebuilt when the tuned layout changes between sizes; the weights file stays open until then.
    std::unique_ptr<Network> built;
    auto build = [&] { built = std::make_unique<Network>(spec, plan.weights.get(), taps, network_config); };
    for (int size : options.sizes) {
      BenchRow row;
      const bool channels_last = tune_for_row(spec, network_config, taps, size, options.tune, row);
      if (!built || channels_last != network_config.channels_last) {
        network_config.channels_last = channels_last;
        build();
      }
      const Network& network = *built;
      torch::manual_seed(0);
      const auto on_device = torch::TensorOptions().device(plan.network.device);
      torch::Tensor content = torch::rand({1, 3, size, size}, on_device);
      torch::Tensor style = torch::rand({1, 3, size, size}, on_device);
      Objective objective(network, config, content, {style}, {});
      torch::Tensor image = content.clone().requires_grad_(true);
      auto iteration = [&] {
        objective.evaluate(image);
        image.mutable_grad().reset();
      };
      iteration();
      row.network = name;
      row.weights = weights_name;
      row.size = size;
      row.seconds_per_iteration = best_seconds(options.iterations, iteration);
      row.conv_seconds = time_convolutions(network, size, size, std::max(5, options.iterations));
      row.gflop = iteration_gflop(network, config, size, size);
      row.gflops = row.gflop / row.seconds_per_iteration;
      row.sgemm_gflops = sgemm;
      row.blas = on_gpu ? "cuBLAS " + options.precision + " matrix product (8192 x 8192) on the GPU" : blas_description();
      if (options.profile_top > 0)
        row.profile = op_profile_table(profile_ops(iteration, options.iterations, options.profile_shapes), options.profile_top);
      rows.push_back(row);
    }
  }
  return rows;
}

std::string bench_table(const std::vector<BenchRow>& rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %5s %10s %10s %9s %8s %9s %9s %8s  %s\n", "network", "size", "s/iter",
                "conv s", "iter/conv", "GFLOP", "GFLOP/s", "sgemm", "of sgemm", "weights");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-11s %5d %10.4f %10.4f %9.2f %8.1f %9.1f %9.1f %7.0f%%  %s\n",
                  r.network.c_str(), r.size, r.seconds_per_iteration, r.conv_seconds,
                  r.seconds_per_iteration / r.conv_seconds, r.gflop, r.gflops, r.sgemm_gflops,
                  100.0 * r.gflops / r.sgemm_gflops, r.weights.c_str());
    out << line << r.tuning << r.profile;
  }
  if (!rows.empty() && rows.front().blas.rfind("cuBLAS", 0) == 0) out << "sgemm column: " << rows.front().blas << "\n";
  else if (!rows.empty()) out << "sgemm: " << rows.front().blas << ", split over the threads as the losses' products are\n";
  return out.str();
}

nlohmann::json bench_json(const std::vector<BenchRow>& rows) {
  nlohmann::json result = nlohmann::json::array();
  for (const auto& r : rows)
    result.push_back({{"network", r.network},
                      {"weights", r.weights},
                      {"size", r.size},
                      {"seconds_per_iteration", r.seconds_per_iteration},
                      {"conv_seconds", r.conv_seconds},
                      {"gflop", r.gflop},
                      {"gflops", r.gflops},
                      {"sgemm_gflops", r.sgemm_gflops},
                      {"blas", r.blas},
                      {"tuning", {{"choice", r.tuning_choice}, {"source", r.tuning_source},
                                  {"candidates", r.tuning_candidates}}},
                      {"fraction_of_sgemm", r.gflops / r.sgemm_gflops}});
  return result;
}

}  // namespace impasto
