#include "image/affine_residual.h"

#include <torch/torch.h>

#include <stdexcept>

namespace impasto {
namespace {

constexpr double kRidge = 1e-7;

// [1,3,H,W] -> [windows, 9, 3]: the pixels of every 3x3 window, centred on the window's mean.
torch::Tensor centred_windows(const torch::Tensor& image) {
  const torch::Tensor patches =
      torch::nn::functional::unfold(image.detach().to(torch::kDouble), torch::nn::functional::UnfoldFuncOptions(3));
  const torch::Tensor windows = patches.view({3, 9, -1}).permute({2, 1, 0});
  return windows - windows.mean(1, true);
}

}  // namespace

double local_affine_residual(const torch::Tensor& output, const torch::Tensor& content) {
  if (output.sizes() != content.sizes() || output.dim() != 4 || output.size(1) != 3 || output.size(2) < 3 ||
      output.size(3) < 3)
    throw std::invalid_argument("local_affine_residual needs two [1,3,H,W] images of one size, at least 3x3");
  const torch::Tensor c = centred_windows(content), o = centred_windows(output);
  // Per window: min over A of |o - c A|^2 + eps |A|^2 = tr(o^T o) - tr(o^T c (c^T c + eps Id)^-1 c^T o).
  const torch::Tensor gram = torch::bmm(c.transpose(1, 2), c) + kRidge * torch::eye(3, torch::kDouble);
  const torch::Tensor cross = torch::bmm(c.transpose(1, 2), o);
  const torch::Tensor explained = (cross * torch::linalg_solve(gram, cross, true)).sum({1, 2});
  const torch::Tensor total = o.square().sum({1, 2});
  return ((total - explained) / 9.0).mean().item<double>();
}

}  // namespace impasto
