#include "audio/spectrogram.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "audio/test_signals.h"

namespace impasto::testing {
namespace {

TEST(Spectrogram, InverseOfForwardRestoresTheSignal) {
  const Stft stft(2048, 512);
  torch::manual_seed(3);
  const torch::Tensor y = harmonic_tone(440, 1.3, 22050) + 0.05 * torch::randn({28665});
  const torch::Tensor spectrum = stft.forward(y);
  EXPECT_EQ(spectrum.size(0), 1025);
  EXPECT_EQ(spectrum.size(1), stft.frames(y.size(0)));
  const torch::Tensor back = stft.inverse(spectrum, y.size(0));
  ASSERT_EQ(back.size(0), y.size(0));
  EXPECT_LT((back - y).abs().max().item<double>(), 1e-5);
}

TEST(Spectrogram, ToneLandsInItsBin) {
  const Stft stft(2048, 512);
  const torch::Tensor magnitude = stft.forward(harmonic_tone(1000, 1, 22050, 0)).abs();
  const int64_t peak = magnitude.mean(1).argmax().item<int64_t>();
  EXPECT_NEAR(peak * 22050.0 / 2048, 1000, 22050.0 / 2048);
}

TEST(Spectrogram, LogMagnitudeInvertsAndDropsNegatives) {
  const torch::Tensor spectrum = torch::polar(torch::tensor({0.0f, 1.0f, 10.0f}), torch::tensor({0.0f, 1.0f, 2.0f}));
  const torch::Tensor log = log_magnitude(spectrum);
  EXPECT_NEAR(log[2].item<double>(), std::log1p(10.0), 1e-5);
  EXPECT_TRUE(torch::allclose(magnitude_from_log(log), torch::tensor({0.0f, 1.0f, 10.0f}), 1e-5, 1e-5));
  EXPECT_EQ(magnitude_from_log(torch::tensor({-0.5f}))[0].item<float>(), 0.0f);
}

}  // namespace
}  // namespace impasto::testing
