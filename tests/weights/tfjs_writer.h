#pragma once
// Writes TensorFlow.js layers models (model.json + shard files) for tests.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "weights_test_util.h"

namespace impasto::testing {

struct TfjsTensor {
  std::string name;
  std::vector<int64_t> shape;
  float start = 0;  // values are start, start+1, ... in row-major order
  std::string dtype = "float32";
};

// Writes model.json plus one group per entry of `groups`; a group's bytes are split into
// `shards` files of (nearly) equal size at arbitrary byte positions.
inline void write_model(const std::filesystem::path& dir, const std::vector<std::vector<TfjsTensor>>& groups,
                 int shards = 2, int64_t drop_tail_bytes = 0) {
  nlohmann::json manifest = nlohmann::json::array();
  for (size_t g = 0; g < groups.size(); ++g) {
    std::string bytes;
    nlohmann::json weights = nlohmann::json::array();
    for (const auto& t : groups[g]) {
      weights.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", t.dtype}});
      int64_t n = 1;
      for (auto d : t.shape) n *= d;
      for (int64_t i = 0; i < n; ++i) {
        const float v = t.start + static_cast<float>(i);
        bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
    }
    if (g + 1 == groups.size()) bytes.resize(bytes.size() - static_cast<size_t>(drop_tail_bytes));
    nlohmann::json paths = nlohmann::json::array();
    const size_t step = bytes.size() / static_cast<size_t>(shards) + 1;
    for (int s = 0; s < shards; ++s) {
      const std::string file =
          "group" + std::to_string(g + 1) + "-shard" + std::to_string(s + 1) + "of" + std::to_string(shards);
      write_bytes(dir / file, bytes.substr(std::min(bytes.size(), s * step), step));
      paths.push_back(file);
    }
    manifest.push_back({{"paths", paths}, {"weights", weights}});
  }
  std::ofstream(dir / "model.json") << nlohmann::json{
      {"modelTopology", nlohmann::json::object()},
      {"weightsManifest", manifest}}.dump(1);
}

}  // namespace impasto::testing
