#pragma once
#include <torch/types.h>

namespace impasto {

// Colour spaces and colour statistics of [1,3,H,W] RGB images in 0..1.

// BT.601 YCrCb as OpenCV defines it for float images: Y in 0..1, Cr and Cb centred on 0.5.
torch::Tensor rgb_to_ycrcb(const torch::Tensor& rgb);
torch::Tensor ycrcb_to_rgb(const torch::Tensor& ycrcb);

// The luminance of an image as a grey [1,3,H,W] image.
torch::Tensor luminance_image(const torch::Tensor& rgb);

// The luminance of `image`, shifted and scaled so that its mean and standard deviation equal those
// of reference's luminance, as a grey [1,3,H,W] image (Gatys et al. 2017, luminance-only transfer).
torch::Tensor matched_luminance_image(const torch::Tensor& image, const torch::Tensor& reference);

// The luminance of `luminance_source` with the chrominance (Cr, Cb) of `colour_source`.
torch::Tensor combine_luminance(const torch::Tensor& luminance_source, const torch::Tensor& colour_source);

// Mean [3] and covariance [3,3] of the pixels of an image, in double precision.
struct ColourStatistics {
  torch::Tensor mean, covariance;
};
ColourStatistics colour_statistics(const torch::Tensor& rgb);

// `source` transformed by the affine map x -> A (x - mu_s) + mu_t with A = Cov_t^1/2 Cov_s^-1/2 (the
// symmetric "PCA" form of Gatys et al. 2017), so that its pixels have target's mean and covariance.
// Not clamped: clamping to 0..1 would change the statistics it matched.
torch::Tensor match_colour_statistics(const torch::Tensor& source, const torch::Tensor& target);

}  // namespace impasto
