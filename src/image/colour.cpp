#include "image/colour.h"

#include <torch/torch.h>

namespace impasto {
namespace {

// Rows: Y, Cr, Cb as linear functions of R, G, B (before the 0.5 offset of Cr and Cb).
torch::Tensor ycrcb_matrix() {
  const double kr = 0.299, kg = 0.587, kb = 0.114;
  return torch::tensor({kr, kg, kb,                                  //
                        0.713 * (1 - kr), -0.713 * kg, -0.713 * kb,  //
                        -0.564 * kr, -0.564 * kg, 0.564 * (1 - kb)},
                       torch::kDouble)
      .view({3, 3});
}

torch::Tensor ycrcb_offset() { return torch::tensor({0.0, 0.5, 0.5}, torch::kDouble); }

// Applies a 3x3 matrix and an offset to every pixel of [1,3,H,W].
torch::Tensor transform_pixels(const torch::Tensor& image, const torch::Tensor& matrix, const torch::Tensor& offset) {
  const torch::Tensor m = matrix.to(image.options());
  const torch::Tensor flat = image.reshape({3, -1});
  return (torch::mm(m, flat) + offset.to(image.options()).view({3, 1})).view(image.sizes());
}

torch::Tensor grey(const torch::Tensor& y) { return y.expand({1, 3, y.size(2), y.size(3)}).contiguous(); }

torch::Tensor y_channel(const torch::Tensor& rgb) { return rgb_to_ycrcb(rgb).narrow(1, 0, 1); }

// Symmetric square root of a symmetric positive semi-definite matrix, or its inverse.
torch::Tensor symmetric_power(const torch::Tensor& matrix, double power) {
  auto [values, vectors] = torch::linalg_eigh(matrix, "L");
  values = values.clamp_min(1e-8).pow(power);
  return torch::mm(vectors * values.unsqueeze(0), vectors.t());
}

}  // namespace

torch::Tensor rgb_to_ycrcb(const torch::Tensor& rgb) { return transform_pixels(rgb, ycrcb_matrix(), ycrcb_offset()); }

torch::Tensor ycrcb_to_rgb(const torch::Tensor& ycrcb) {
  const torch::Tensor inverse = torch::linalg_inv(ycrcb_matrix());
  return transform_pixels(ycrcb, inverse, -torch::mv(inverse, ycrcb_offset()));
}

torch::Tensor luminance_image(const torch::Tensor& rgb) { return grey(y_channel(rgb)); }

torch::Tensor matched_luminance_image(const torch::Tensor& image, const torch::Tensor& reference) {
  const torch::Tensor y = y_channel(image), reference_y = y_channel(reference);
  const torch::Tensor std = y.std().clamp_min(1e-6);
  return grey((y - y.mean()) * (reference_y.std() / std) + reference_y.mean());
}

torch::Tensor combine_luminance(const torch::Tensor& luminance_source, const torch::Tensor& colour_source) {
  torch::Tensor ycrcb = rgb_to_ycrcb(colour_source);
  ycrcb.narrow(1, 0, 1).copy_(y_channel(luminance_source));
  return ycrcb_to_rgb(ycrcb);
}

ColourStatistics colour_statistics(const torch::Tensor& rgb) {
  const torch::Tensor pixels = rgb.detach().to(torch::kDouble).reshape({3, -1});
  const torch::Tensor mean = pixels.mean(1);
  const torch::Tensor centred = pixels - mean.view({3, 1});
  return {mean, torch::mm(centred, centred.t()) / static_cast<double>(pixels.size(1))};
}

torch::Tensor match_colour_statistics(const torch::Tensor& source, const torch::Tensor& target) {
  const ColourStatistics s = colour_statistics(source), t = colour_statistics(target);
  const torch::Tensor a = torch::mm(symmetric_power(t.covariance, 0.5), symmetric_power(s.covariance, -0.5));
  return transform_pixels(source.to(torch::kDouble), a, t.mean - torch::mv(a, s.mean)).to(source.options());
}

}  // namespace impasto
