#pragma once
#include <torch/types.h>

namespace impasto {

// Losses are normalised so that one set of weights works across image sizes, layers, networks and
// style images: Gram matrices are averaged over positions, and each layer's loss is divided by the
// squared norm of its target, which makes every layer's loss a dimensionless relative error.

// features [1,C,H,W] (any memory format) -> [C,C] = F F^T / (H W). Backward is one matrix product.
torch::Tensor gram_matrix(const torch::Tensor& features);

// sum((x - target)^2) / target_norm, where target_norm = sum(target^2) (precomputed by the caller).
torch::Tensor relative_squared_error(const torch::Tensor& x, const torch::Tensor& target, double target_norm);

// Mean squared difference of neighbouring pixels of an image [1,3,H,W] in 0..1.
torch::Tensor total_variation(const torch::Tensor& image);

// Identity forward; backward replaces the gradient arriving from the loss by weight * g / |g|_1
// (neural-style's -normalize_gradients), so that every loss layer pushes with its weight's strength
// whatever its scale. Apply it to a layer's features before computing that layer's loss.
torch::Tensor normalize_gradient(const torch::Tensor& x, double weight);

}  // namespace impasto
