#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// The whole file ("" when it cannot be read).
inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An integer from the environment (a test's size or iteration count), or `fallback`.
inline int setting(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : fallback;
}

}  // namespace impasto::testing
