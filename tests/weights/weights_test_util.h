#pragma once
#include <gtest/gtest.h>
#include <impasto/errors.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>

#include "test_support.h"

namespace impasto::testing {

inline std::filesystem::path shared_models_dir() {
#ifdef IMPASTO_SHARED_DIR
  return std::filesystem::path(IMPASTO_SHARED_DIR) / "models";
#else
  return shared_dir() / "models";
#endif
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `fn`, expecting an InputError whose message contains every one of `needles`.
template <typename Fn>
void expect_input_error(Fn&& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    for (const auto& n : needles)
      EXPECT_NE(msg.find(n), std::string::npos) << "message: " << msg << "\nmissing: " << n;
  }
}

}  // namespace impasto::testing
