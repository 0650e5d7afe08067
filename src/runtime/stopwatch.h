#pragma once

#include <chrono>

namespace impasto {

// Wall-clock seconds since `start` on the monotonic clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace impasto
