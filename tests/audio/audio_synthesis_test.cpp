// Runs of the whole audio pipeline on generated sounds of a second or two. Where the spectrogram must
// follow the content, the network has its full 4096 filters: with fewer features than spectrogram
// values, much of the spectrogram is free to stay as noisy as it started.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "audio/spectrogram.h"
#include "audio/test_signals.h"
#include "impasto/audio.h"
#include "impasto/errors.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

class AudioSynthesis : public ::testing::Test {
 protected:
  AudioOptions small(const std::string& style) const {
    AudioOptions o;
    o.style = (dir / style).string();
    o.output = (dir / "out.wav").string();
    o.filters = 256;
    o.iterations = 40;
    o.griffin_lim_iterations = 40;
    o.threads = 2;
    return o;
  }
  std::string save(const std::string& name, const torch::Tensor& samples, int rate = 22050) const {
    save_wav(samples, rate, (dir / name).string());
    return name;
  }
  torch::Tensor written_log_spectrogram() const {
    const AudioClip clip = load_audio((dir / "out.wav").string(), "output");
    return log_magnitude(Stft(2048, 512).forward(clip.samples));
  }
  TempDir dir;
};

TEST_F(AudioSynthesis, TextureOfAToneKeepsItsPitch) {
  // Style at 44.1 kHz: the run resamples it to 22050 Hz.
  AudioOptions o = small(save("tone.wav", harmonic_tone(440, 2.0, 44100), 44100));
  o.duration = 3;
  const AudioResult result = synthesize_audio(o);
  EXPECT_EQ(result.sample_rate, 22050);
  EXPECT_NEAR(result.output_seconds, 3.0, 512.0 / 22050);
  const torch::Tensor spectrum = written_log_spectrogram().mean(1);
  const double bin = 22050.0 / 2048;
  EXPECT_NEAR(spectrum.argmax().item<int64_t>() * bin, 440, bin);
  // The first overtone (880 Hz) is there too, far above the floor between the harmonics.
}

TEST_F(AudioSynthesis, StyleLossFallsAHundredfold) {
  AudioOptions o = small(save("chord.wav", harmonic_tone(220, 1.0, 22050) + harmonic_tone(330, 1.0, 22050)));
  o.content = (dir / save("chirp.wav", pulsed_chirp(300, 3000, 1.0, 22050))).string();
  o.content_weight = 0.01;
  o.filters = 4096;
  o.iterations = 60;
  const AudioResult result = synthesize_audio(o);
  ASSERT_EQ(result.iterations.size(), 60u);
  EXPECT_GT(result.iterations.front().style_loss / result.final.style_loss, 100);
  EXPECT_GT(result.final.content_loss, 0);
}

TEST_F(AudioSynthesis, ContentWeightDecidesHowMuchTheOutputFollowsTheContent) {
  const std::string style = save("tone.wav", harmonic_tone(440, 1.0, 22050));
  const std::string content = save("chirp.wav", pulsed_chirp(300, 3000, 1.0, 22050));
  const torch::Tensor content_spectrogram = log_magnitude(Stft(2048, 512).forward(pulsed_chirp(300, 3000, 1.0, 22050)));
  for (const double weight : {100.0, 0.0}) {
    AudioOptions o = small(style);
    o.filters = 4096;
    o.iterations = 30;
    o.content = (dir / content).string();
    o.content_weight = weight;
    synthesize_audio(o);
    const double r = correlation(written_log_spectrogram(), content_spectrogram);
    if (weight > 0) EXPECT_GT(r, 0.9) << "content weight " << weight;
    else EXPECT_LT(r, 0.5) << "content weight " << weight;
  }
}

// Each chunk is optimised on its own; with L-BFGS's fixed step a chunk could end on an overshoot (one
// second at 0.016 RMS against 0.093 for the loudest, or a chunk still noise): the line search keeps
// every chunk converging alike.
TEST_F(AudioSynthesis, LongTexturesAreMadeInCrossfadedChunks) {
  AudioOptions o = small(save("tone.wav", harmonic_tone(440, 2.0, 22050)));
  o.duration = 6;
  o.chunk_seconds = 2.5;
  o.overlap_seconds = 0.5;
  o.iterations = 10;
  o.report = (dir / "report.json").string();
  const AudioResult result = synthesize_audio(o);
  EXPECT_EQ(result.chunks, 3);
  ASSERT_EQ(result.iterations.size(), 30u);
  EXPECT_EQ(result.iterations.back().iteration, 30);
  // Every chunk's loss falls at every iteration, and far: the fixed step jumped up to 1000x its
  // loss and left chunks at half their starting loss.
  for (size_t chunk = 0; chunk < 3; ++chunk) {
    const size_t first = chunk * 10;
    for (size_t i = first + 1; i < first + 10; ++i)
      EXPECT_LE(result.iterations[i].style_loss, result.iterations[i - 1].style_loss) << "iteration " << i + 1;
    EXPECT_LT(result.iterations[first + 9].style_loss, 0.2 * result.iterations[first].style_loss) << "chunk " << chunk;
  }
  // No chunk is silent or louder than the others: each second holds the tone.
  const AudioClip clip = load_audio(o.output, "output");
  const Stft stft(2048, 512);
  std::vector<double> rms;
  for (int s = 0; s < 5; ++s) {
    const torch::Tensor second = clip.samples.narrow(0, s * 22050, 22050);
    rms.push_back(second.square().mean().sqrt().item<double>());
    const double bin = 22050.0 / 2048;
    EXPECT_NEAR(log_magnitude(stft.forward(second)).mean(1).argmax().item<int64_t>() * bin, 440, bin) << "second " << s;
  }
  const auto [low, high] = std::minmax_element(rms.begin(), rms.end());
  EXPECT_GT(*low, 0.5 * *high);
  std::ifstream in(o.report);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["chunks"], 3);
  EXPECT_EQ(report["iterations"].size(), 30u);
  EXPECT_EQ(report["griffin_lim"]["spectral_convergence"].size(), 40u);
}

TEST_F(AudioSynthesis, RefusesInputsShorterThanTheAnalysis) {
  AudioOptions o = small(save("blip.wav", harmonic_tone(440, 0.05, 22050)));
  try {
    synthesize_audio(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is too short"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.output));
}

}  // namespace
}  // namespace impasto::testing
