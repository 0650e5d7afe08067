#pragma once
#include <functional>
#include <string>
#include <vector>

namespace impasto {

// Where an iteration's time goes: libtorch operators by self time (time not spent in nested operators).
struct OpTime {
  std::string name;
  double self_seconds = 0;  // per run of the profiled work
  double calls = 0;         // per run
};

// by_shape: one row per operator and input shapes rather than per operator.
std::vector<OpTime> profile_ops(const std::function<void()>& work, int runs, bool by_shape);
std::string op_profile_table(const std::vector<OpTime>& ops, size_t top);

}  // namespace impasto
