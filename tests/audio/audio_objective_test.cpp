#include "audio/audio_objective.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace impasto::testing {
namespace {

TEST(RandomFilters, HaveThePapersScaleAndAreFixedBySeed) {
  const RandomFilterBank a(1025, 512, 11, 7), b(1025, 512, 11, 7), c(1025, 512, 11, 8);
  EXPECT_TRUE(a.weights().equal(b.weights()));
  EXPECT_FALSE(a.weights().equal(c.weights()));
  const double expected = std::sqrt(2.0) * std::sqrt(2.0 / ((1025 + 512) * 11));
  EXPECT_NEAR(a.weights().std().item<double>(), expected, expected * 0.01);
  const torch::Tensor features = a.features(torch::rand({1, 1025, 40}));
  EXPECT_EQ(features.sizes(), (torch::IntArrayRef{1, 512, 30}));
  EXPECT_GE(features.min().item<float>(), 0);  // ReLU
}

TEST(AudioObjective, StyleGramInPiecesEqualsTheWholes) {
  const RandomFilterBank filters(33, 16, 5, 1);
  torch::manual_seed(2);
  const torch::Tensor spectrogram = torch::rand({33, 57});
  const torch::Tensor whole = style_gram(filters, spectrogram, 1000);
  const torch::Tensor features = filters.features(spectrogram.unsqueeze(0))[0];
  EXPECT_TRUE(torch::allclose(whole, features.mm(features.t()) / features.size(1), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(style_gram(filters, spectrogram, 9), whole, 1e-5, 1e-6));
}

TEST(AudioObjective, LossesAreZeroAtTheTargetsAndNamed) {
  const RandomFilterBank filters(33, 16, 5, 1);
  torch::manual_seed(2);
  const torch::Tensor spectrogram = torch::rand({33, 40});
  AudioObjective objective(filters, style_gram(filters, spectrogram, 1000), 2.0, 3.0);
  objective.set_content(spectrogram);
  torch::Tensor x = spectrogram.clone().requires_grad_(true);
  const LossValues at_target = objective.evaluate(x);
  EXPECT_NEAR(at_target.total, 0, 1e-9);
  torch::Tensor y = torch::rand({33, 40}).requires_grad_(true);
  const LossValues elsewhere = objective.evaluate(y);
  EXPECT_GT(elsewhere["style"], 0);
  EXPECT_GT(elsewhere["content"], 0);
  EXPECT_NEAR(elsewhere.total, elsewhere["style"] + elsewhere["content"], 1e-9);
  objective.set_content(torch::Tensor());  // a texture: style alone
  y.mutable_grad() = torch::Tensor();
  EXPECT_EQ(objective.evaluate(y)["content"], 0);
}

TEST(AudioObjective, GradientMatchesFiniteDifferences) {
  const RandomFilterBank filters(9, 8, 3, 4);
  torch::manual_seed(5);
  const torch::Tensor style = torch::rand({9, 20}, torch::kFloat);
  AudioObjective objective(filters, style_gram(filters, style, 1000), 1.0, 0.5);
  objective.set_content(torch::rand({9, 12}));
  torch::Tensor x = torch::rand({9, 12}).requires_grad_(true);
  objective.evaluate(x);
  const torch::Tensor grad = x.grad().clone();
  for (const auto& [i, j] : {std::pair{0, 0}, std::pair{4, 6}, std::pair{8, 11}}) {
    const double h = 1e-2;
    auto at = [&](double step) {
      torch::Tensor moved = x.detach().clone();
      moved[i][j] += step;
      moved.requires_grad_(true);
      return objective.evaluate(moved).total;
    };
    EXPECT_NEAR((at(h) - at(-h)) / (2 * h), grad[i][j].item<double>(), 0.05 * std::abs(grad[i][j].item<double>()) + 1e-3)
        << i << "," << j;
  }
}

}  // namespace
}  // namespace impasto::testing
