#pragma once
#include "weights/weight_source.h"

namespace impasto {

// MATLAB level-5 MAT-file whose top-level variables are layers, each a 1x2 cell {kernel, bias}:
// kernel single [kh][kw][in][out] (column-major), bias single with `out` elements.
std::unique_ptr<WeightSource> open_mat_weights(const std::filesystem::path& path);

}  // namespace impasto
