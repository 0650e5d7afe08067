#include "transfer/matting_laplacian.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "image/affine_residual.h"

namespace impasto {
namespace {

// The definition, independently of the closed form: each window's matrix is the residual projector of
// the regularised least-squares fit V_i ~ a^T I_i + b, i.e. with G = [I_w 1; sqrt(eps) Id 0] (12 x 4),
// P = Id - G (G^T G)^-1 G^T, the window adds P's top-left 9 x 9 block on its pixels.
torch::Tensor dense_reference(const torch::Tensor& image, double eps) {
  const int64_t h = image.size(2), w = image.size(3);
  const torch::Tensor pixels = image.squeeze(0).to(torch::kDouble);
  torch::Tensor laplacian = torch::zeros({h * w, h * w}, torch::kDouble);
  for (int64_t y = 1; y + 1 < h; ++y) {
    for (int64_t x = 1; x + 1 < w; ++x) {
      torch::Tensor g = torch::zeros({12, 4}, torch::kDouble);
      std::vector<int64_t> index;
      for (int k = 0; k < 9; ++k) {
        const int64_t py = y - 1 + k / 3, px = x - 1 + k % 3;
        index.push_back(py * w + px);
        g[k].narrow(0, 0, 3).copy_(pixels.select(1, py).select(1, px));
        g[k][3] = 1.0;
      }
      g.narrow(0, 9, 3).narrow(1, 0, 3).copy_(std::sqrt(eps) * torch::eye(3, torch::kDouble));
      const torch::Tensor projector =
          torch::eye(12, torch::kDouble) - torch::mm(torch::mm(g, torch::linalg_inv(torch::mm(g.t(), g))), g.t());
      for (int a = 0; a < 9; ++a)
        for (int b = 0; b < 9; ++b) laplacian[index[a]][index[b]] += projector[a][b];
    }
  }
  return laplacian;
}

TEST(MattingLaplacian, MatchesTheDenseDefinitionOnATinyImage) {
  torch::manual_seed(1);
  const torch::Tensor image = torch::rand({1, 3, 5, 6}, torch::kDouble);
  const double eps = 1e-3;  // large enough that the reference's 12x4 normal equations stay well conditioned
  const torch::Tensor got = MattingLaplacian(image, eps).dense(), want = dense_reference(image, eps);
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-9 * want.abs().max().item<double>());
}

TEST(MattingLaplacian, IsSymmetricPositiveSemidefiniteWithZeroRowSums) {
  torch::manual_seed(2);
  const torch::Tensor image = torch::rand({1, 3, 6, 7});
  const torch::Tensor l = MattingLaplacian(image).dense();
  const double scale = l.abs().max().item<double>();
  EXPECT_LT((l - l.t()).abs().max().item<double>(), 1e-9 * scale);
  EXPECT_LT(l.sum(1).abs().max().item<double>(), 1e-9 * scale);
  const torch::Tensor eigenvalues = torch::linalg_eigvalsh(l, "L");
  EXPECT_GT(eigenvalues.min().item<double>(), -1e-8 * scale);
  EXPECT_GT(eigenvalues.max().item<double>(), 0.1) << "not the zero matrix";
}

TEST(MattingLaplacian, ConstantAndAffineFunctionsOfTheImageHaveNoEnergy) {
  torch::manual_seed(3);
  const torch::Tensor image = torch::rand({1, 3, 12, 10});
  const MattingLaplacian l(image);
  const torch::Tensor constant = torch::full({1, 3, 12, 10}, 0.4);
  const torch::Tensor a = torch::tensor({0.5, -0.2, 0.3, 0.1, 0.9, -0.4, 0.2, 0.2, 0.2}).view({3, 3});
  const torch::Tensor affine = (torch::mm(a, image.reshape({3, -1})) + 0.1).view(image.sizes());
  const torch::Tensor other = torch::rand({1, 3, 12, 10});
  const double other_energy = l.energy(other);
  EXPECT_LT(std::abs(l.energy(constant)), 1e-9);
  // Only the ridge remains: at most eps |A|^2 in each of the 10 x 8 windows (the true A fits exactly).
  const double ridge = kMattingEpsilon * a.square().sum().item<double>() * 10 * 8;
  EXPECT_LE(l.energy(affine), 1.001 * ridge);
  EXPECT_GE(l.energy(affine), 0.0);
  EXPECT_GT(other_energy, 1.0);
}

TEST(MattingLaplacian, LossGradientIsTwiceLTimesTheImageAndMatchesFiniteDifferences) {
  torch::manual_seed(4);
  const torch::Tensor content = torch::rand({1, 3, 7, 8}, torch::kDouble);
  const MattingLaplacian l(content);
  torch::Tensor v = torch::rand({1, 3, 7, 8}, torch::kDouble).requires_grad_(true);
  const double weight = 0.7;
  torch::Tensor loss = l.loss(v, weight);
  EXPECT_NEAR(loss.item<double>(), weight * l.energy(v), 1e-9);
  loss.backward();
  const torch::Tensor grad = v.grad().clone();
  EXPECT_LT((grad - 2 * weight * l.apply(v)).abs().max().item<double>(), 1e-9);
  const double h = 1e-5;
  for (int64_t index : {0, 17, 60, 101, 167}) {
    torch::Tensor plus = v.detach().clone(), minus = v.detach().clone();
    plus.view({-1})[index] += h;
    minus.view({-1})[index] -= h;
    const double numeric = (l.loss(plus, weight).item<double>() - l.loss(minus, weight).item<double>()) / (2 * h);
    EXPECT_NEAR(grad.view({-1})[index].item<double>(), numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << index;
  }
}

TEST(MattingLaplacian, EnergyPerWindowPixelIsTheLocalAffineResidual) {
  torch::manual_seed(5);
  const torch::Tensor content = torch::rand({1, 3, 9, 11}), output = torch::rand({1, 3, 9, 11});
  const double windows = 7 * 9;
  EXPECT_NEAR(local_affine_residual(output, content), MattingLaplacian(content).energy(output) / (9 * windows),
              1e-6 * local_affine_residual(output, content));
}

}  // namespace
}  // namespace impasto
