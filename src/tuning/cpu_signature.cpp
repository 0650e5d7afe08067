#include "tuning/cpu_signature.h"

#include <torch/version.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace impasto {
namespace {

// The flag set of the first processor listed (all cores of a machine share one set).
std::set<std::string> instruction_flags(const std::string& cpuinfo) {
  std::istringstream lines(cpuinfo);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    if (key != "flags" && key != "Features") continue;
    std::istringstream words(line.substr(colon + 1));
    std::set<std::string> flags;
    for (std::string word; words >> word;) flags.insert(word);
    return flags;
  }
  return {};
}

uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

std::string cpu_signature(const std::string& cpuinfo, unsigned cores) {
  const std::set<std::string> flags = instruction_flags(cpuinfo);
  std::string all, vector_units;
  for (const auto& flag : flags) all += flag + " ";
  for (const char* unit : {"avx512f", "avx512_bf16", "amx_tile", "avx2", "fma", "asimd", "sve"})
    if (flags.count(unit)) vector_units += (vector_units.empty() ? "" : " ") + std::string(unit);
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(all)));
  return (vector_units.empty() ? std::string("no vector flags") : vector_units) + ", " + std::to_string(cores) +
         " cores, flags " + hash + ", libtorch " + TORCH_VERSION;
}

std::string cpu_signature() {
  std::ifstream file("/proc/cpuinfo");
  std::stringstream text;
  text << file.rdbuf();
  return cpu_signature(text.str(), std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace impasto
