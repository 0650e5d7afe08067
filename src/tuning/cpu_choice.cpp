#include "tuning/cpu_choice.h"

#include <ATen/Context.h>

#include <nlohmann/json.hpp>

#include "runtime/blas_threading.h"

namespace impasto {

std::string CpuChoice::name() const {
  return std::string(channels_last ? "channels-last" : "contiguous") + ", " + (onednn ? "oneDNN" : "native") +
         " convolutions, " + (blas_threads ? "OpenBLAS threads" : "split BLAS");
}

bool CpuChoice::operator==(const CpuChoice& other) const {
  return channels_last == other.channels_last && onednn == other.onednn && blas_threads == other.blas_threads;
}

CpuChoice default_cpu_choice() { return {}; }

void apply_cpu_choice(const CpuChoice& choice, int threads) {
  at::globalContext().setUserEnabledMkldnn(choice.onednn);
  set_blas_threading(choice.blas_threads ? BlasThreading::Blas : BlasThreading::Split, threads);
}

void to_json(nlohmann::json& j, const CpuChoice& choice) {
  j = {{"channels_last", choice.channels_last}, {"onednn", choice.onednn}, {"blas_threads", choice.blas_threads}};
}

void from_json(const nlohmann::json& j, CpuChoice& choice) {
  choice.channels_last = j.at("channels_last").get<bool>();
  choice.onednn = j.at("onednn").get<bool>();
  choice.blas_threads = j.at("blas_threads").get<bool>();
}

}  // namespace impasto
