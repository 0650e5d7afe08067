#pragma once
#include <cstdint>

#include "nets/network.h"
#include "transfer/objective.h"

namespace impasto {

// Floating-point operations of one iteration at height x width, in GFLOP: every built convolution
// forward and its input gradient, and the Gram matrices of the style layers (forward and backward).
double iteration_gflop(const Network& network, const ObjectiveConfig& config, int64_t height, int64_t width);

}  // namespace impasto
