#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace impasto::testing {

inline std::filesystem::path shared_dir() { return std::filesystem::path(IMPASTO_SOURCE_DIR) / ".." / "shared"; }
inline std::filesystem::path shared_image(const std::string& name) { return shared_dir() / "images" / name; }
inline std::filesystem::path squeezenet_file() { return shared_dir() / "models" / "squeezenet1_1" / "sqz_notop.mat"; }
inline std::filesystem::path vgg19_partial_dir() { return shared_dir() / "models" / "vgg19-partial"; }

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// A path as one shell word, for command lines given to run_shell and run_impasto.
inline std::string q(const std::filesystem::path& path) {
  std::string quoted = "'";
  for (const char c : path.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs a shell command line; its stdout and stderr are collected together.
CommandResult run_shell(const std::string& command);

// Runs the impasto binary with these arguments (a shell-quoted string).
CommandResult run_impasto(const std::string& arguments);

void write_bytes(const std::filesystem::path& path, const std::string& bytes);

}  // namespace impasto::testing
