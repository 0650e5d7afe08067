#include "transfer/matting_laplacian.h"

#include <torch/torch.h>

// Through eigen3/ so that no include path is needed (Debian's libeigen3-dev, header-only).
#include <eigen3/Eigen/Dense>
#include <eigen3/Eigen/SparseCore>
#include <stdexcept>
#include <vector>

namespace impasto {
namespace {

// A pixel's entries as a 5x5 stencil: windows of 3x3 pixels couple pixels at most 2 apart.
constexpr int kReach = 2, kSide = 2 * kReach + 1, kStencil = kSide * kSide;

using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor, int64_t>;
using Columns = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Sparse build(const torch::Tensor& image, double eps) {
  const torch::Tensor pixels = image.detach().to(torch::kCPU, torch::kDouble).squeeze(0).permute({1, 2, 0}).contiguous();
  const double* colour = pixels.data_ptr<double>();  // [H,W,3]
  const int64_t height = pixels.size(0), width = pixels.size(1), n = height * width;

  // Accumulated per pixel and neighbour offset, then copied into the sparse matrix row by row.
  std::vector<double> stencil(static_cast<size_t>(n) * kStencil, 0.0);
  int64_t members[9];
  Eigen::Matrix<double, 9, 3> centred;
  for (int64_t cy = 1; cy + 1 < height; ++cy) {
    for (int64_t cx = 1; cx + 1 < width; ++cx) {
      Eigen::RowVector3d mean = Eigen::RowVector3d::Zero();
      for (int k = 0; k < 9; ++k) {
        members[k] = (cy - 1 + k / 3) * width + (cx - 1 + k % 3);
        centred.row(k) = Eigen::Map<const Eigen::RowVector3d>(colour + 3 * members[k]);
        mean += centred.row(k);
      }
      mean /= 9.0;
      centred.rowwise() -= mean;
      const Eigen::Matrix3d covariance = centred.transpose() * centred / 9.0 + (eps / 9.0) * Eigen::Matrix3d::Identity();
      const Eigen::Matrix<double, 9, 9> affinity =
          (Eigen::Matrix<double, 9, 9>::Ones() + centred * covariance.inverse() * centred.transpose()) / 9.0;
      for (int a = 0; a < 9; ++a) {
        double* row = stencil.data() + members[a] * kStencil;
        for (int b = 0; b < 9; ++b) {
          const int dy = b / 3 - a / 3, dx = b % 3 - a % 3;
          row[(dy + kReach) * kSide + (dx + kReach)] += (a == b ? 1.0 : 0.0) - affinity(a, b);
        }
      }
    }
  }

  Sparse laplacian(n, n);
  laplacian.reserve(Eigen::VectorXi::Constant(n, kStencil));
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x) {
      const int64_t i = y * width + x;
      for (int dy = -kReach; dy <= kReach; ++dy) {
        for (int dx = -kReach; dx <= kReach; ++dx) {
          if (y + dy < 0 || y + dy >= height || x + dx < 0 || x + dx >= width) continue;
          const double value = stencil[i * kStencil + (dy + kReach) * kSide + (dx + kReach)];
          if (value != 0.0) laplacian.insert(i, (y + dy) * width + (x + dx)) = value;
        }
      }
    }
  }
  laplacian.makeCompressed();
  return laplacian;
}

}  // namespace

struct MattingLaplacian::Matrix {
  Sparse sparse;
};

MattingLaplacian::MattingLaplacian(const torch::Tensor& image, double eps) {
  if (image.dim() != 4 || image.size(0) != 1 || image.size(1) != 3 || image.size(2) < 3 || image.size(3) < 3)
    throw std::invalid_argument("the matting Laplacian needs a [1,3,H,W] image of at least 3x3 pixels");
  matrix_ = std::make_unique<Matrix>(Matrix{build(image, eps)});
  height_ = image.size(2);
  width_ = image.size(3);
}

MattingLaplacian::~MattingLaplacian() = default;
MattingLaplacian::MattingLaplacian(MattingLaplacian&&) noexcept = default;
MattingLaplacian& MattingLaplacian::operator=(MattingLaplacian&&) noexcept = default;

torch::Tensor MattingLaplacian::apply(const torch::Tensor& image) const {
  if (image.dim() != 4 || image.size(2) != height_ || image.size(3) != width_)
    throw std::invalid_argument("the image does not match the matting Laplacian's size");
  const int64_t channels = image.size(1), n = height_ * width_;
  const torch::Tensor v = image.detach().to(torch::kCPU, torch::kDouble).reshape({channels, n}).t().contiguous();
  torch::Tensor product = torch::empty({n, channels}, torch::kDouble);
  Eigen::Map<const Columns> in(v.data_ptr<double>(), n, channels);
  Eigen::Map<Columns> out(product.data_ptr<double>(), n, channels);
  out.noalias() = matrix_->sparse * in;
  return product.t().reshape(image.sizes()).to(image.device(), image.scalar_type());
}

double MattingLaplacian::energy(const torch::Tensor& image) const {
  const torch::Tensor v = image.detach().to(torch::kCPU, torch::kDouble);
  return (v * apply(v)).sum().item<double>();
}

torch::Tensor MattingLaplacian::loss(const torch::Tensor& image, double weight) const {
  const torch::Tensor product = apply(image);
  // Value V^T L V and gradient 2 L V without a custom backward: 2 <V, LV> - <V, LV> (detached).
  const torch::Tensor linear = (image * product).sum();
  return weight * (2 * linear - linear.detach());
}

torch::Tensor MattingLaplacian::dense() const {
  const int64_t n = height_ * width_;
  torch::Tensor result = torch::zeros({n, n}, torch::kDouble);
  auto entries = result.accessor<double, 2>();
  for (int64_t i = 0; i < matrix_->sparse.outerSize(); ++i)
    for (Sparse::InnerIterator it(matrix_->sparse, i); it; ++it) entries[it.row()][it.col()] = it.value();
  return result;
}

}  // namespace impasto
