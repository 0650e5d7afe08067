#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace impasto {

// $XDG_CACHE_HOME/impasto/tuning.json, else ~/.cache/impasto/tuning.json; empty when neither
// variable is set.
std::filesystem::path tuning_cache_path();

// The tuner's measured choices, one JSON file: {"version": 1, "machines": {signature: {key:
// record}}}. A missing, unreadable or malformed file reads as empty (the tuner measures again).
// Writes go through a temporary file and a rename, so readers never see half a file.
class TuningCache {
 public:
  explicit TuningCache(std::filesystem::path path) : path_(std::move(path)) {}
  const std::filesystem::path& path() const { return path_; }

  std::optional<nlohmann::json> find(const std::string& machine, const std::string& key) const;
  // Adds or replaces one record, keeping the others. Returns false, writing nothing, when the
  // folder cannot be created or written (a read-only home): tuning then lasts for this run only.
  bool store(const std::string& machine, const std::string& key, const nlohmann::json& record) const;

 private:
  nlohmann::json read() const;
  std::filesystem::path path_;
};

}  // namespace impasto
