#include "tuning/tuning_cache.h"

#include <cstdlib>
#include <fstream>

#include "image/image_io.h"

namespace impasto {
namespace fs = std::filesystem;

namespace {
constexpr int kVersion = 1;
}  // namespace

fs::path tuning_cache_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "impasto" / "tuning.json";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "impasto" / "tuning.json";
  return {};
}

nlohmann::json TuningCache::read() const {
  std::ifstream in(path_);
  if (!in) return nlohmann::json::object();
  nlohmann::json cache = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!cache.is_object() || cache.value("version", 0) != kVersion || !cache.contains("machines") ||
      !cache["machines"].is_object())
    return nlohmann::json::object();
  return cache;
}

std::optional<nlohmann::json> TuningCache::find(const std::string& machine, const std::string& key) const {
  if (path_.empty()) return std::nullopt;
  const nlohmann::json cache = read();
  if (!cache.contains("machines")) return std::nullopt;
  const auto& machines = cache["machines"];
  if (!machines.contains(machine) || !machines[machine].is_object() || !machines[machine].contains(key))
    return std::nullopt;
  return machines[machine][key];
}

bool TuningCache::store(const std::string& machine, const std::string& key, const nlohmann::json& record) const {
  if (path_.empty()) return false;
  std::error_code error;
  fs::create_directories(path_.parent_path(), error);
  if (error) return false;
  nlohmann::json cache = read();
  if (!cache.contains("machines")) cache = {{"version", kVersion}, {"machines", nlohmann::json::object()}};
  cache["machines"][machine][key] = record;
  try {
    write_file_atomically(path_.string(), cache.dump(1) + "\n");
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace impasto
