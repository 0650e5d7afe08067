#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace impasto {

// How a network runs on the CPU: what the tuner chooses between. Every choice computes the same
// values to float rounding; only the speed differs, by machine and by shape.
struct CpuChoice {
  bool channels_last = true;  // memory layout of the activations and weights
  bool onednn = true;         // libtorch's oneDNN convolutions, else its native (im2col + BLAS) ones
  bool blas_threads = false;  // products on OpenBLAS's threads, else split over libtorch's pool

  std::string name() const;   // e.g. "channels-last, oneDNN, split BLAS"
  bool operator==(const CpuChoice& other) const;
};

// What runs without tuning (--tune off): the layout and paths Impasto always used.
CpuChoice default_cpu_choice();

// Sets the process-wide switches: oneDNN on or off, BLAS threading over `threads`. The layout is the
// network's own: build it with NetworkConfig::channels_last = choice.channels_last.
void apply_cpu_choice(const CpuChoice& choice, int threads);

void to_json(nlohmann::json& j, const CpuChoice& choice);
void from_json(const nlohmann::json& j, CpuChoice& choice);

}  // namespace impasto
