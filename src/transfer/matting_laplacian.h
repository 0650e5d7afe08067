#pragma once
#include <torch/types.h>

#include <memory>

namespace impasto {

// Levin, Lischinski & Weiss, "A Closed-Form Solution to Natural Image Matting" (2008): the matting
// Laplacian L of an image I, the N x N matrix (N pixels) with
//   V^T L V = sum over 3x3 windows w of  min_{a,b} sum_{i in w} (V_i - a^T I_i - b)^2 + eps |a|^2,
// so that V^T L V is small exactly when V is, window by window, an affine function of I's colours.
// Luan et al. ("Deep Photo Style Transfer", 2017) use it to keep a stylised photo photorealistic.
// Entries: L_ij = sum over windows w holding i and j of
//   delta_ij - (1 + (I_i - mu_w)^T (Sigma_w + eps/9 Id)^-1 (I_j - mu_w)) / 9.
// Windows are those with all 9 pixels inside the image; pixels are numbered row by row. Held as an
// Eigen sparse matrix (25 entries a row), built once per image.
constexpr double kMattingEpsilon = 1e-7;

class MattingLaplacian {
 public:
  // image: [1,3,H,W] RGB 0..1 (H, W >= 3).
  explicit MattingLaplacian(const torch::Tensor& image, double eps = kMattingEpsilon);
  ~MattingLaplacian();
  MattingLaplacian(MattingLaplacian&&) noexcept;
  MattingLaplacian& operator=(MattingLaplacian&&) noexcept;

  int64_t height() const { return height_; }
  int64_t width() const { return width_; }

  // L applied to each channel of image [1,C,H,W]: [1,C,H,W] in image's dtype.
  torch::Tensor apply(const torch::Tensor& image) const;
  // sum_c V_c^T L V_c for the channels V_c of image [1,C,H,W].
  double energy(const torch::Tensor& image) const;
  // weight * sum_c V_c^T L V_c as a scalar attached to image's autograd graph, whose gradient is
  // weight * 2 L V (L is symmetric).
  torch::Tensor loss(const torch::Tensor& image, double weight) const;
  // The whole N x N matrix as a double tensor (tests, tiny images).
  torch::Tensor dense() const;

 private:
  struct Matrix;
  std::unique_ptr<Matrix> matrix_;
  int64_t height_ = 0, width_ = 0;
};

}  // namespace impasto
