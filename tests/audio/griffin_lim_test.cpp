#include "audio/griffin_lim.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "audio/test_signals.h"

namespace impasto::testing {
namespace {

TEST(GriffinLim, RebuildsAPhaseForARealSpectrogramWithFallingConvergence) {
  const Stft stft(2048, 512);
  const torch::Tensor y = harmonic_tone(440, 1.5, 22050) + pulsed_chirp(200, 3000, 1.5, 22050);
  const torch::Tensor magnitude = stft.forward(y).abs();
  std::vector<double> sc;
  const torch::Tensor rebuilt =
      griffin_lim(magnitude, y.size(0), stft, GriffinLimConfig{}, [&](int i, double value) {
        EXPECT_EQ(i, static_cast<int>(sc.size()) + 1);
        sc.push_back(value);
      });
  ASSERT_EQ(static_cast<int>(sc.size()), GriffinLimConfig{}.iterations);
  EXPECT_EQ(rebuilt.size(0), y.size(0));
  const double best = *std::min_element(sc.begin(), sc.end());
  EXPECT_LT(best, 0.15);
  EXPECT_LT(sc.back(), 0.15);
  EXPECT_NEAR(spectral_convergence(magnitude, stft.forward(rebuilt)), best, 1e-4);  // the best estimate
  EXPECT_GT(sc.front(), 5 * sc.back());
  // Falling, but for the ripple of the momentum near convergence: no step up by more than 2 %, and
  // every tenth iteration at most 10 % above the best before it.
  for (size_t i = 1; i < sc.size(); ++i) EXPECT_LE(sc[i], sc[i - 1] * 1.02) << "iteration " << i + 1;
  for (size_t i = 10; i < sc.size(); i += 10)
    EXPECT_LE(sc[i], *std::min_element(sc.begin(), sc.begin() + i) * 1.1) << "iteration " << i + 1;
}

TEST(GriffinLim, MomentumConvergesFasterThanThePlainAlgorithm) {
  const Stft stft(1024, 256);
  const torch::Tensor y = pulsed_chirp(300, 2000, 1.0, 16000);
  const torch::Tensor magnitude = stft.forward(y).abs();
  GriffinLimConfig plain, fast;
  plain.iterations = fast.iterations = 30;
  plain.momentum = 0;
  const double sc_plain = spectral_convergence(magnitude, stft.forward(griffin_lim(magnitude, y.size(0), stft, plain)));
  const double sc_fast = spectral_convergence(magnitude, stft.forward(griffin_lim(magnitude, y.size(0), stft, fast)));
  EXPECT_LT(sc_fast, sc_plain);
}

// Audio transfer starts from the content's phase: a magnitude close to the content's converges from
// there, where a random start is still far off.
TEST(GriffinLim, StartsFromAGivenSpectrumsPhase) {
  const Stft stft(1024, 256);
  const torch::Tensor y = pulsed_chirp(300, 2000, 1.0, 16000);
  const torch::Tensor spectrum = stft.forward(y);
  const torch::Tensor magnitude = spectrum.abs() * (1 + 0.05 * torch::rand(spectrum.sizes()));
  GriffinLimConfig random_start, content_start;
  random_start.iterations = content_start.iterations = 5;
  content_start.initial_spectrum = spectrum;
  std::vector<double> from_random, from_content;
  griffin_lim(magnitude, y.size(0), stft, random_start, [&](int, double sc) { from_random.push_back(sc); });
  griffin_lim(magnitude, y.size(0), stft, content_start, [&](int, double sc) { from_content.push_back(sc); });
  EXPECT_LT(from_content.front(), 0.1);
  EXPECT_GT(from_random.front(), 0.3);
  EXPECT_LT(from_content.back(), 0.5 * from_random.back());
  GriffinLimConfig wrong_shape = content_start;  // a spectrum of another shape is ignored: random start
  wrong_shape.initial_spectrum = spectrum.narrow(1, 0, 3);
  std::vector<double> from_wrong;
  griffin_lim(magnitude, y.size(0), stft, wrong_shape, [&](int, double sc) { from_wrong.push_back(sc); });
  EXPECT_DOUBLE_EQ(from_wrong.front(), from_random.front());
}

TEST(GriffinLim, SpectralConvergenceIsZeroForTheSameMagnitude) {
  const Stft stft(512, 128);
  const torch::Tensor spectrum = stft.forward(harmonic_tone(300, 0.5, 8000));
  EXPECT_NEAR(spectral_convergence(spectrum.abs(), spectrum), 0.0, 1e-7);
  EXPECT_NEAR(spectral_convergence(spectrum.abs(), spectrum * 0.5), 0.5, 1e-6);
}

}  // namespace
}  // namespace impasto::testing
