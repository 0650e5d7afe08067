#include "tuning/tuner.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "impasto/errors.h"
#include "tuning/cpu_signature.h"
#include "tuning/strip_benchmark.h"
#include "tuning/tuning_cache.h"

namespace impasto {
namespace {

// Layer work per candidate pass. Each layer keeps at least two rows, so deep networks cost more.
constexpr double kTargetGflop = 0.5;
constexpr int kRounds = 2;  // the first warms up (oneDNN builds its kernels for each shape)
// A candidate this many times slower than the best in the warm-up is not timed again: its warm-up
// time stands (it has lost either way).
constexpr double kHopeless = 1.5;

std::vector<CpuChoice> candidates(int threads) {
  std::vector<CpuChoice> list = {{true, true, false}, {false, true, false}};
  if (threads > 1) {
    // Native convolutions make one BLAS call per image: they need OpenBLAS's threads.
    list.insert(list.end(), {{true, true, true}, {false, true, true}, {false, false, true}});
  } else {
    list.push_back({false, false, false});
  }
  return list;
}

// Choices measured in this process, for when the cache file cannot be written: two runs of one
// shape in a process (a server, a test) then use the same choice, and give the same result.
std::mutex memo_mutex;
std::map<std::string, nlohmann::json> measured_here;

std::mutex mode_mutex;
std::string chosen_mode;  // set by set_tune_mode; empty: IMPASTO_TUNE or auto

}  // namespace

void check_tune_mode(const std::string& mode) {
  if (mode != "off" && mode != "auto" && mode != "force")
    throw InputError("--tune must be off, auto or force, got '" + mode + "'");
}

void set_tune_mode(const std::string& mode) {
  check_tune_mode(mode);
  std::lock_guard<std::mutex> lock(mode_mutex);
  chosen_mode = mode;
}

std::string tune_mode() {
  {
    std::lock_guard<std::mutex> lock(mode_mutex);
    if (!chosen_mode.empty()) return chosen_mode;
  }
  const char* variable = std::getenv("IMPASTO_TUNE");
  if (!variable || !*variable) return "auto";
  try {
    check_tune_mode(variable);
  } catch (const InputError&) {
    throw InputError(std::string("IMPASTO_TUNE must be off, auto or force, got '") + variable + "'");
  }
  return variable;
}

std::string tuning_key(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, int threads) {
  std::vector<std::string> sorted = taps;
  std::sort(sorted.begin(), sorted.end());
  std::string names;
  for (const auto& tap : sorted) names += (names.empty() ? "" : ",") + tap;
  return spec.name + " " + std::to_string(width) + "x" + std::to_string(height) + ", " + std::to_string(threads) +
         " threads, " + (config.average_pooling ? "avg" : "max") + " pooling, taps " + names;
}

namespace {

nlohmann::json record_of(const TuningOutcome& outcome) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : outcome.candidates) candidates.push_back({{"choice", c.choice}, {"seconds", c.seconds}});
  return {{"choice", outcome.choice}, {"candidates", candidates}, {"tuning_seconds", outcome.tuning_seconds}};
}

bool read_record(const nlohmann::json& record, TuningOutcome& outcome) {
  try {
    outcome.choice = record.at("choice").get<CpuChoice>();
    outcome.candidates.clear();
    for (const auto& c : record.at("candidates"))
      outcome.candidates.push_back({c.at("choice").get<CpuChoice>(), c.at("seconds").get<double>()});
    outcome.tuning_seconds = record.value("tuning_seconds", 0.0);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

void measure(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
             int64_t height, int64_t width, int threads, TuningOutcome& outcome) {
  const auto start = std::chrono::steady_clock::now();
  StripBenchmark strips(spec, config, taps, height, width, kTargetGflop);
  const auto list = candidates(threads);
  std::vector<double> warm(list.size()), best(list.size(), std::numeric_limits<double>::infinity());
  // Round-robin, so that a burst of load from other processes hits every candidate alike.
  for (int round = 0; round < kRounds; ++round) {
    const double fastest_warm = round > 0 ? *std::min_element(warm.begin(), warm.end()) : 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (round > 0 && warm[i] > kHopeless * fastest_warm) {
        best[i] = warm[i];
        continue;
      }
      apply_cpu_choice(list[i], threads);
      const double seconds = strips.run(list[i].channels_last);
      if (round == 0) warm[i] = seconds;
      else best[i] = std::min(best[i], seconds);
    }
  }
  outcome.candidates.clear();
  for (size_t i = 0; i < list.size(); ++i) outcome.candidates.push_back({list[i], best[i]});
  std::stable_sort(outcome.candidates.begin(), outcome.candidates.end(),
                   [](const CandidateTime& a, const CandidateTime& b) { return a.seconds < b.seconds; });
  outcome.choice = outcome.candidates.front().choice;
  outcome.tuning_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TuningOutcome tune_cpu(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, const std::string& mode) {
  return tune_cpu(spec, config, taps, height, width, mode, tuning_cache_path());
}

TuningOutcome tune_cpu(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                       int64_t height, int64_t width, const std::string& mode, const std::filesystem::path& cache_path) {
  check_tune_mode(mode);
  const int threads = at::get_num_threads();
  TuningOutcome outcome;
  outcome.choice = default_cpu_choice();
  outcome.cache = cache_path;
  if (mode == "off") outcome.source = "off";
  else if (!config.device.is_cpu()) outcome.source = "not on the CPU";
  else if (config.dtype != torch::kFloat) outcome.source = "not float32";
  if (!outcome.source.empty()) {
    apply_cpu_choice(outcome.choice, threads);
    return outcome;
  }
  outcome.machine = cpu_signature();
  outcome.key = tuning_key(spec, config, taps, height, width, threads);
  const TuningCache cache(cache_path);
  if (mode != "force") {
    std::optional<nlohmann::json> record = cache.find(outcome.machine, outcome.key);
    if (!record) {
      std::lock_guard<std::mutex> lock(memo_mutex);
      if (auto it = measured_here.find(outcome.machine + "\n" + outcome.key); it != measured_here.end()) record = it->second;
    }
    if (record && read_record(*record, outcome)) {
      outcome.source = "cache";
      apply_cpu_choice(outcome.choice, threads);
      return outcome;
    }
  }
  measure(spec, config, taps, height, width, threads, outcome);
  outcome.source = "measured";
  // Another process may have measured the same shape meanwhile: the first choice stored stays, so
  // that runs of one shape agree however their measurements came out.
  std::optional<nlohmann::json> theirs;
  if (mode != "force") theirs = cache.find(outcome.machine, outcome.key);
  if (theirs && read_record(*theirs, outcome)) outcome.source = "cache";
  else outcome.stored = cache.store(outcome.machine, outcome.key, record_of(outcome));
  {
    std::lock_guard<std::mutex> lock(memo_mutex);
    measured_here[outcome.machine + "\n" + outcome.key] = record_of(outcome);
  }
  apply_cpu_choice(outcome.choice, threads);
  return outcome;
}

std::string tuning_summary(const TuningOutcome& outcome) {
  std::string text = outcome.choice.name() + " (";
  if (outcome.source == "off") return text + "--tune off)";
  if (outcome.source != "measured" && outcome.source != "cache") return text + outcome.source + ")";
  char figures[160];
  std::snprintf(figures, sizeof figures, "%s: %.3f s of layer work per iteration", outcome.source.c_str(),
                outcome.candidates.empty() ? 0.0 : outcome.candidates.front().seconds);
  text += figures;
  if (outcome.candidates.size() > 1) {
    std::snprintf(figures, sizeof figures, ", next best %.3f", outcome.candidates[1].seconds);
    text += figures;
  }
  return text + ")";
}

std::string tuning_table(const TuningOutcome& outcome) {
  std::string text = "  tuning: " + tuning_summary(outcome) + "\n";
  if (outcome.source != "measured" && outcome.source != "cache") return text;
  char line[256];
  std::snprintf(line, sizeof line, "  %s %s in %.2f s; machine %s\n",
                outcome.source == "cache" ? "cached from a measurement" : "measured",
                outcome.key.c_str(), outcome.tuning_seconds, outcome.machine.c_str());
  text += line;
  text += "  cache: " + (outcome.cache.empty() ? std::string("none (no XDG_CACHE_HOME or HOME)") : outcome.cache.string()) +
          (outcome.source == "measured" && !outcome.stored ? " (could not be written)" : "") + "\n";
  for (const auto& c : outcome.candidates) {
    std::snprintf(line, sizeof line, "  %s %8.3f s  %s\n", c.choice == outcome.choice ? "*" : " ", c.seconds,
                  c.choice.name().c_str());
    text += line;
  }
  return text;
}

}  // namespace impasto
