#pragma once
#include "weights/weight_source.h"

namespace impasto {

// MATLAB level-5 MAT-file in one of two layouts, kernels single [kh][kw][in][out] (column-major)
// and biases single with `out` elements:
// - one top-level variable per layer, named after it, each a 1x2 cell {kernel, bias} (SqueezeNet);
// - MatConvNet SimpleNN models (imagenet-vgg-verydeep-19.mat): a `layers` cell of structs
//   {name, type, weights = {filter, bias}} (older releases: fields filters, biases); layers of
//   type 'conv' are the convolutions.
std::unique_ptr<WeightSource> open_mat_weights(const std::filesystem::path& path);

}  // namespace impasto
