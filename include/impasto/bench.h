#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace impasto {

struct BenchOptions {
  std::vector<std::string> networks;   // empty: every known network
  std::vector<int> sizes{256, 512};
  int iterations = 5;                  // timed iterations per case (after one warm-up)
  int threads = 0;
  std::string tune = "auto";           // off | auto | force (tuning/tuner.h)
  std::string model_dir;
  std::string device = "cpu";
  std::string precision = "fp32";      // stylize's --precision
  size_t profile_top = 0;              // > 0: also list the iteration's top operators by self time
  bool profile_shapes = false;         // list them per input shape
};

struct BenchRow {
  std::string network;
  std::string weights;                 // file used, or "random" when none is installed
  int size = 0;
  double seconds_per_iteration = 0;    // forward + backward + losses
  double conv_seconds = 0;             // the same convolutions timed alone (forward + input gradient)
  double gflop = 0;                    // convolutions (forward + input gradient) + Gram products
  double gflops = 0;                   // gflop / seconds_per_iteration
  double sgemm_gflops = 0;             // this machine's own sgemm (the GPU's with --device cuda), same run
  std::string blas;                    // the BLAS and kernels that sgemm ran on (runtime/cpu_runtime.h)
  std::string profile;                 // the operator table when asked for
  std::string tuning;                  // what the tuner chose and its candidates' timings, as text
  std::string tuning_choice;           // e.g. "contiguous, oneDNN convolutions, split BLAS"
  std::string tuning_source;           // measured | cache | off
  std::vector<std::pair<std::string, double>> tuning_candidates;  // name, estimated s of layer work
};

std::vector<BenchRow> run_bench(const BenchOptions& options);
double measure_sgemm_gflops(int n = 2048);
std::string bench_table(const std::vector<BenchRow>& rows);
nlohmann::json bench_json(const std::vector<BenchRow>& rows);

}  // namespace impasto
