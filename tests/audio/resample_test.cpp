#include "audio/resample.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace impasto::testing {
namespace {

torch::Tensor sine(double frequency, double seconds, int rate) {
  const torch::Tensor t = torch::arange(static_cast<int64_t>(seconds * rate), torch::kDouble) / rate;
  return torch::sin(2 * M_PI * frequency * t).to(torch::kFloat);
}

// RMS over the middle, away from the edges where the filter runs out of samples.
double middle_rms(const torch::Tensor& y) {
  const int64_t n = y.size(0);
  return y.narrow(0, n / 4, n / 2).square().mean().sqrt().item<double>();
}

TEST(Resample, KeepsAToneBelowTheNewNyquistFrequency) {
  for (auto [from, to] : {std::pair{44100, 22050}, std::pair{8000, 22050}, std::pair{48000, 22050}}) {
    const torch::Tensor in = sine(1000, 1.0, from);
    const torch::Tensor out = resample(in, from, to);
    EXPECT_EQ(out.size(0), to) << from << " -> " << to;
    const torch::Tensor expected = sine(1000, 1.0, to);
    const int64_t n = to;
    EXPECT_LT((out - expected).narrow(0, n / 4, n / 2).abs().max().item<double>(), 2e-3) << from << " -> " << to;
  }
}

TEST(Resample, RemovesWhatTheNewRateCannotHold) {
  // 15 kHz is above 22050 Hz's Nyquist frequency: naive decimation would alias it to 7050 Hz.
  const torch::Tensor out = resample(sine(15000, 1.0, 44100), 44100, 22050);
  EXPECT_LT(middle_rms(out), 1e-3);
  EXPECT_NEAR(middle_rms(resample(sine(9000, 1.0, 44100), 44100, 22050)), std::sqrt(0.5), 0.01);
}

TEST(Resample, SameRateIsTheSameSignal) {
  const torch::Tensor in = sine(440, 0.1, 22050);
  EXPECT_TRUE(resample(in, 22050, 22050).equal(in));
}

}  // namespace
}  // namespace impasto::testing
