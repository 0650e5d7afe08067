#include "nets/model_locator.h"

#include <cstdlib>

#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;

std::vector<fs::path> model_directories(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return {explicit_dir};
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("IMPASTO_MODEL_DIR"); env && *env) dirs.emplace_back(env);
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data) {
    dirs.push_back(fs::path(data) / "impasto" / "models");
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dirs.push_back(fs::path(home) / ".local" / "share" / "impasto" / "models");
  }
  dirs.emplace_back("models");
  dirs.emplace_back("../shared/models");
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back(exe.parent_path() / ".." / ".." / "shared" / "models");
  return dirs;
}

fs::path locate_weights(const NetworkSpec& spec, const std::string& model_file, const std::string& model_dir) {
  std::error_code error;
  if (!model_file.empty()) {
    const auto status = fs::status(model_file, error);
    if (!fs::exists(status)) throw InputError("cannot open weights file '" + model_file + "': no such file");
    // A FIFO or device would block the read forever: a model is a file or a directory.
    if (!fs::is_regular_file(status) && !fs::is_directory(status))
      throw InputError("cannot open weights file '" + model_file + "': not a regular file or directory");
    return model_file;
  }
  std::string searched;
  for (const auto& dir : model_directories(model_dir)) {
    for (const auto& candidate : spec.default_weights) {
      const fs::path path = dir / candidate;
      if (fs::exists(path, error)) return fs::weakly_canonical(path, error);
    }
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw InputError("no weights for " + spec.name + " found (looked for " + spec.default_weights.front() + " in " +
                   searched + "); pass --model-file or --model-dir");
}

}  // namespace impasto
