// `impasto audio` end to end: generated and Debian-synthesised sounds (espeak-ng, sox), a small network.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "audio/test_signals.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class AudioCli : public ::testing::Test {
 protected:
  void SetUp() override {
    save_wav(harmonic_tone(440, 2.0, 22050), 22050, (dir / "tone.wav").string());
    save_wav(torch::zeros({22050}), 22050, (dir / "silent.wav").string());
    write_bytes(dir / "garbage.mp3", "ID3 but nothing after it");
  }
  // Runs `impasto audio` expecting an input error: exit 2, one line, and nothing written.
  void expect_refused(const std::string& arguments, const std::string& message) {
    const auto result = run_impasto("audio " + arguments + " --output " + q(dir / "out" / "x.wav"));
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(message), std::string::npos) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_TRUE(fs::is_empty(dir / "out")) << arguments;
  }
  nlohmann::json read_json(const fs::path& path) const {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  TempDir dir;
};

TEST_F(AudioCli, RefusesBadInputWithOneLineAndNoOutput) {
  fs::create_directories(dir / "out");
  expect_refused("--style " + q(dir / "missing.wav"), "style sound '" + (dir / "missing.wav").string() + "': no such file");
  expect_refused("--style " + q(dir / "garbage.mp3"), "not a sound file this build can decode");
  expect_refused("--style " + q(dir / "silent.wav"), "is silent");
  expect_refused("--style " + q(dir / "tone.wav") + " --content " + q(dir / "silent.wav"), "content sound");
  expect_refused("--style " + q(dir / "tone.wav") + " --max-duration 1", "longer than the limit of 1 s");
  expect_refused("--style " + q(dir / "tone.wav") + " --duration 700", "--duration 700");
  expect_refused("--style " + q(dir / "tone.wav") + " --hop 5000", "--hop must be");
  const auto mp3 = run_impasto("audio --style " + q(dir / "tone.wav") + " --output " + q(dir / "out" / "x.mp3"));
  EXPECT_EQ(mp3.exit_code, 2);
  EXPECT_NE(mp3.output.find("only .wav is written"), std::string::npos) << mp3.output;
  EXPECT_TRUE(fs::is_empty(dir / "out"));
}

TEST_F(AudioCli, TextureWritesTheSoundReportAndSpectrograms) {
  const auto result = run_impasto("audio --style " + q(dir / "tone.wav") + " --duration 2.5 --filters 256 " +
                                  "--iterations 20 --griffin-lim-iterations 50 --output " + q(dir / "texture.wav") +
                                  " --report " + q(dir / "report.json") + " --animate " + q(dir / "frames") +
                                  " --animate-every 10");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("wrote"), std::string::npos);
  const AudioClip clip = load_audio((dir / "texture.wav").string(), "output");
  EXPECT_EQ(clip.sample_rate, 22050);
  EXPECT_NEAR(clip.seconds(), 2.5, 0.03);
  const nlohmann::json report = read_json(dir / "report.json");
  EXPECT_EQ(report["options"]["filters"], 256);
  EXPECT_EQ(report["iterations"].size(), 20u);
  EXPECT_EQ(report["griffin_lim"]["spectral_convergence"].size(), 50u);
  for (const char* key : {"content_loss", "style_loss", "total_loss", "seconds"})
    EXPECT_TRUE(report["iterations"][0].contains(key)) << key;
  EXPECT_LT(report["final"]["style_loss"].get<double>(), report["iterations"][0]["style_loss"].get<double>());
  for (const char* name : {"style.png", "spectrogram_0010.png", "spectrogram_0020.png", "output.png"})
    EXPECT_TRUE(fs::exists(dir / "frames" / name)) << name;
  EXPECT_FALSE(fs::exists(dir / "frames" / "content.png"));
}

// The pair: speech (espeak-ng) in the style of music (sox), both installed by install-deps.sh.
TEST_F(AudioCli, SpeechInTheStyleOfMusicLowersTheStyleLossAHundredfold) {
  ASSERT_EQ(std::system(("espeak-ng -w " + q(dir / "speech.wav") + " 'the quick brown fox jumps' 2>/dev/null").c_str()), 0)
      << "espeak-ng is missing (scripts/install-deps.sh installs it)";
  ASSERT_EQ(std::system(("sox -n -r 22050 " + q(dir / "music.wav") +
                         " synth 0.5 pluck C4 : synth 0.5 pluck E4 : synth 0.5 pluck G4 : synth 0.5 pluck C5 2>/dev/null")
                            .c_str()),
            0)
      << "sox is missing (scripts/install-deps.sh installs it)";
  const auto result = run_impasto("audio --content " + q(dir / "speech.wav") + " --style " + q(dir / "music.wav") +
                                  " --content-weight 0.01 --iterations 60 --griffin-lim-iterations 30 --output " +
                                  q(dir / "out.wav") + " --report " + q(dir / "report.json"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json report = read_json(dir / "report.json");
  const double first = report["iterations"][0]["style_loss"], last = report["final"]["style_loss"];
  EXPECT_GT(first / last, 100) << first << " -> " << last;
  EXPECT_GT(report["seconds"]["content"].get<double>(), 1.0);
  EXPECT_NEAR(report["seconds"]["output"].get<double>(), report["seconds"]["content"].get<double>(), 512.0 / 22050);
}

}  // namespace
}  // namespace impasto::testing
