#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "nets/network.h"
#include "tuning/cpu_choice.h"

namespace impasto {

// One candidate's measurement: the estimated layer work of an iteration at the real size, from a
// strip benchmark (tuning/strip_benchmark.h).
struct CandidateTime {
  CpuChoice choice;
  double seconds = 0;
};

struct TuningOutcome {
  CpuChoice choice;
  std::string source;                  // "measured", "cache", "off", or why tuning does not apply
  std::string machine;                 // cpu_signature()
  std::string key;                     // network, size, threads, pooling, taps
  std::filesystem::path cache;         // the cache file (empty: none)
  bool stored = false;                 // a measured choice was written to the cache
  std::vector<CandidateTime> candidates;  // measured now or when cached; the fastest first
  double tuning_seconds = 0;           // time the measurement took (when measured or cached)
};

// Chooses how a network with these taps runs on this CPU for a height x width input. mode: off
// (the default choice, no timing), auto (the choice cached for this machine, network and shape;
// measured and cached when missing) or force (measured again, replacing the cache). Measuring
// times every candidate on strips of the real layers (tuning/strip_benchmark.h), with random
// weights, in well under a second. Applies the process-wide switches of the choice
// (apply_cpu_choice); the caller builds its network with config.channels_last =
// outcome.choice.channels_last. Only float32 networks on the CPU are tuned; others get the default.
TuningOutcome tune_cpu(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, const std::string& mode);

// Same, with the cache file given (tests).
TuningOutcome tune_cpu(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, const std::string& mode, const std::filesystem::path& cache);

// The tuning mode of stylize and texture runs: set by --tune (set_tune_mode), else the IMPASTO_TUNE
// environment variable, else "auto". set_tune_mode and tune_mode throw InputError for anything but
// off, auto or force.
void set_tune_mode(const std::string& mode);
std::string tune_mode();
void check_tune_mode(const std::string& mode);

// The cache key: network, size, threads, pooling and taps, e.g.
// "vgg19 256x256, 2 threads, max pooling, taps relu1_1,relu2_1,...".
std::string tuning_key(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, int threads);

// What was chosen and why, one line, e.g. "contiguous, oneDNN convolutions, split BLAS (measured:
// 0.412 s of layer work per iteration, next best 0.671)".
std::string tuning_summary(const TuningOutcome& outcome);
// The candidates' table, one line each, for `impasto bench`.
std::string tuning_table(const TuningOutcome& outcome);

}  // namespace impasto
