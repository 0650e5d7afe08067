#pragma once

#include <filesystem>
#include <string>

namespace impasto {

// This program's own path, for the jobs it hands to Slurm or to worker processes.
inline std::string self_path() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("impasto") : self.string();
}

}  // namespace impasto
