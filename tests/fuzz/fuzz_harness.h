#pragma once
// Runs mutants through a reader in-process: each must be read (exit 0 in the CLI) or refused with
// InputError (exit 2), never another exception, a crash, a hang or a file left behind.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "impasto/errors.h"
#include "mutator.h"
#include "weights/weight_source.h"

namespace impasto::fuzz {

struct Tally {
  int mutants = 0, accepted = 0, refused = 0, other_errors = 0, hangs = 0;
};

// A mutant slower than this counts as a hang (all of them take milliseconds; a real hang never ends
// and is caught by the test timeout, this catches the pathological slow cases).
constexpr double kHangSeconds = 20;

inline std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) names.insert(entry.path().string());
  return names;
}

// `read` is given the mutant's bytes (it writes them where the reader expects them and reads).
inline Tally run_mutants(const std::string& reader, const std::vector<Mutant>& mutants,
                         const std::function<void(const Mutant&)>& read) {
  Tally tally;
  for (size_t i = 0; i < mutants.size(); ++i) {
    ++tally.mutants;
    const auto start = std::chrono::steady_clock::now();
    try {
      read(mutants[i]);
      ++tally.accepted;
    } catch (const InputError&) {
      ++tally.refused;
    } catch (const std::exception& e) {
      ++tally.other_errors;
      ADD_FAILURE() << reader << " mutant " << i << " (" << mutants[i].kind << "): not an InputError: " << e.what();
    }
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > kHangSeconds) {
      ++tally.hangs;
      ADD_FAILURE() << reader << " mutant " << i << " (" << mutants[i].kind << ") took over " << kHangSeconds << " s";
    }
  }
  std::printf("fuzz %s: %d mutants, %d read, %d refused (InputError), %d other errors, %d hangs, 0 crashes\n",
              reader.c_str(), tally.mutants, tally.accepted, tally.refused, tally.other_errors, tally.hangs);
  return tally;
}

// Opens weights and reads every layer it lists, as building a network does; what is read must be finite.
inline void read_all_layers(const std::filesystem::path& path) {
  const auto weights = open_weights(path);
  for (const auto& layer : weights->layers()) {
    const ConvParams p = weights->conv(layer);
    if (!torch::isfinite(p.weight).all().item<bool>() || !torch::isfinite(p.bias).all().item<bool>())
      throw std::runtime_error("layer '" + layer + "' was read with non-finite values");
  }
}

}  // namespace impasto::fuzz
