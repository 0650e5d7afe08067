#pragma once
#include <gtest/gtest.h>
#include <impasto/errors.h>

#include <cstdint>
#include <cstring>
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

// start, start + step, ... as raw float32 (little-endian, as every weight format stores them here).
inline std::string floats(int64_t n, float start, float step = 1.0f) {
  std::string s(static_cast<size_t>(n) * 4, '\0');
  for (int64_t i = 0; i < n; ++i) {
    const float v = start + step * static_cast<float>(i);
    std::memcpy(&s[static_cast<size_t>(i) * 4], &v, 4);
  }
  return s;
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
