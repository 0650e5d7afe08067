#include "models/catalog.h"

#include <nlohmann/json.hpp>

#include "impasto/errors.h"

namespace impasto {

extern const char* const kModelCatalogJson;  // data/model_catalog.json, embedded by CMake

const std::vector<CatalogPackage>& model_catalog() {
  static const std::vector<CatalogPackage> packages = [] {
    std::vector<CatalogPackage> result;
    const auto doc = nlohmann::json::parse(kModelCatalogJson);
    for (const auto& [name, entry] : doc.items()) {
      CatalogPackage package;
      package.name = name;
      package.network = entry.at("network").get<std::string>();
      package.origin = entry.value("origin", "");
      if (entry.contains("npm")) {
        package.npm_package = entry["npm"].at("package").get<std::string>();
        package.npm_folder = entry["npm"].at("folder").get<std::string>();
      }
      for (const auto& f : entry.at("files"))
        package.files.push_back({f.at("path").get<std::string>(), f.at("url").get<std::string>(),
                                 f.value("sha256", ""), f.value("sha256_prefix", ""), f.value("bytes", int64_t{0})});
      result.push_back(std::move(package));
    }
    return result;
  }();
  return packages;
}

const CatalogPackage& catalog_package(const std::string& name) {
  std::string known;
  for (const auto& package : model_catalog()) {
    if (package.name == name) return package;
    known += (known.empty() ? "" : ", ") + package.name;
  }
  throw InputError("unknown model '" + name + "' (known: " + known + ")");
}

}  // namespace impasto
