#include "transfer/style_statistics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "impasto/errors.h"
#include "transfer/losses.h"

namespace impasto {
namespace {

torch::Tensor features(int64_t channels = 4, int64_t height = 6, int64_t width = 5) {
  return torch::randn({1, channels, height, width}, torch::kDouble);
}

double loss_value(const std::string& name, const torch::Tensor& x, const torch::Tensor& target_features,
                  const torch::Tensor& weights = {}) {
  const StyleStatistic& s = style_statistic(name);
  const torch::Tensor constant = s.layer_constant(x.size(1), x.options());
  return s.loss(x, weights, constant, s.summarise(target_features, weights, constant)).item<double>();
}

TEST(StyleStatistic, NamesAreTheDocumentedOnes) {
  EXPECT_EQ(style_statistic_names(), (std::vector<std::string>{"gram", "meancov", "wasserstein"}));
  EXPECT_THROW(style_statistic("histogram"), InputError);
}

TEST(StyleStatistic, EachIsZeroAgainstItsOwnFeaturesAndPositiveAgainstOthers) {
  torch::manual_seed(1);
  const torch::Tensor a = features(), b = features() * 2 + 1;
  for (const auto& name : style_statistic_names()) {
    EXPECT_LT(loss_value(name, a, a), 1e-3) << name;
    EXPECT_GT(loss_value(name, a, b), 0.05) << name;
  }
}

TEST(StyleStatistic, GuidedGramIsTheGramOfTheGuidedPositions) {
  torch::manual_seed(2);
  const torch::Tensor f = features(3, 4, 4);
  torch::Tensor mask = torch::zeros({1, 1, 4, 4}, torch::kDouble);
  mask.narrow(3, 0, 2).fill_(1);  // left half
  const StyleStatistic& gram = style_statistic("gram");
  const torch::Tensor guided = gram.summarise(f, mask, {})[0];
  EXPECT_TRUE(torch::allclose(guided, gram_matrix(f.narrow(3, 0, 2).contiguous())));
  EXPECT_TRUE(torch::allclose(gram.summarise(f, torch::ones_like(mask), {})[0], gram_matrix(f)));
}

TEST(StyleStatistic, MeanCovarianceSummaryIsTheFeaturesMeanAndCovariance) {
  torch::manual_seed(3);
  const torch::Tensor f = features(3, 5, 5) + 2;
  const auto parts = style_statistic("meancov").summarise(f, {}, {});
  const torch::Tensor flat = f.view({3, 25});
  EXPECT_TRUE(torch::allclose(parts[0], flat.mean(1)));
  EXPECT_TRUE(torch::allclose(parts[1], torch::cov(flat, /*correction=*/0)));
}

// Uniform and Gaussian features with the same mean and covariance: only the sliced Wasserstein
// distance, which compares whole distributions, tells them apart.
TEST(StyleStatistic, WassersteinSeesBeyondSecondMoments) {
  torch::manual_seed(4);
  const torch::Tensor gaussian = torch::randn({1, 2, 64, 64}, torch::kDouble);
  torch::Tensor uniform = (torch::rand({1, 2, 64, 64}, torch::kDouble) - 0.5) * std::sqrt(12.0);
  // Exact moments, so that the second-moment statistics cannot see any difference.
  auto standardise = [](const torch::Tensor& t) {
    torch::Tensor flat = t.view({2, -1});
    flat = flat - flat.mean(1, true);
    const torch::Tensor cov = torch::cov(flat, 0);
    auto [values, vectors] = torch::linalg_eigh(cov, "L");
    const torch::Tensor whiten = torch::mm(vectors * values.rsqrt().unsqueeze(0), vectors.t());
    return torch::mm(whiten, flat).view_as(t) + 3;
  };
  const torch::Tensor a = standardise(gaussian), b = standardise(uniform);
  EXPECT_LT(loss_value("meancov", a, b), 1e-10);
  EXPECT_LT(loss_value("gram", a, b), 1e-10);
  EXPECT_GT(loss_value("wasserstein", a, b), 1e-4);
}

}  // namespace
}  // namespace impasto
