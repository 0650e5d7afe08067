#pragma once
#include <torch/types.h>

namespace impasto {

// How far an output is from being, window by window, an affine function of the content's colours
// (the photorealism measure of Luan et al. 2017): in each 3x3 window w with all pixels inside the
// image, the least-squares fit output_i = A content_i + b (A 3x3, b 3; ridge eps |A|^2 with
// eps = 1e-7, as the matting Laplacian) leaves a residual sum of squares; the result is its mean
// per window pixel, summed over channels, averaged over the windows (0..1 images: 0 = locally affine).
// Equals MattingLaplacian(content).energy(output) / (9 * windows) (transfer/matting_laplacian.h).
// output, content: [1,3,H,W] of the same size, H, W >= 3.
double local_affine_residual(const torch::Tensor& output, const torch::Tensor& content);

}  // namespace impasto
