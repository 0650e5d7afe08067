#pragma once
#include "weights/weight_source.h"

namespace impasto {

// TensorFlow.js layers model: `path` is model.json or the directory holding it. Conv kernels
// (HWIO) come back as OIHW; only float32 weights are read.
std::unique_ptr<WeightSource> open_tfjs_weights(const std::filesystem::path& path);

}  // namespace impasto
