#include "audio/audio_io.h"

#include <gtest/gtest.h>
#include <sndfile.h>
#include <torch/torch.h>

#include <filesystem>
#include <vector>

#include "audio/test_signals.h"
#include "impasto/errors.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

// Writes interleaved float frames with libsndfile; false when this libsndfile cannot write `format`.
bool write_sound(const fs::path& path, const std::vector<float>& interleaved, int channels, int rate, int format) {
  SF_INFO info{};
  info.channels = channels;
  info.samplerate = rate;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file) return false;
  sf_writef_float(file, interleaved.data(), static_cast<sf_count_t>(interleaved.size() / channels));
  sf_close(file);
  return true;
}

std::vector<float> values(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

std::string error_of(const fs::path& path, double max_seconds = 0) {
  try {
    load_audio(path.string(), "style sound", max_seconds);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(AudioIo, WavRoundTripKeepsSamplesAndRate) {
  TempDir dir;
  const torch::Tensor tone = harmonic_tone(440, 0.5, 16000);
  save_wav(tone, 16000, (dir / "tone.wav").string());
  const AudioClip clip = load_audio((dir / "tone.wav").string(), "style sound");
  EXPECT_EQ(clip.sample_rate, 16000);
  ASSERT_EQ(clip.samples.size(0), tone.size(0));
  EXPECT_LT((clip.samples - tone).abs().max().item<double>(), 1.0 / 32767);
  EXPECT_NEAR(clip.seconds(), 0.5, 1e-9);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);  // no temp file
}

TEST(AudioIo, MixesChannelsToMono) {
  TempDir dir;
  std::vector<float> stereo;
  for (int i = 0; i < 1000; ++i) stereo.insert(stereo.end(), {0.5f, -0.1f});
  ASSERT_TRUE(write_sound(dir / "stereo.wav", stereo, 2, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT));
  const AudioClip clip = load_audio((dir / "stereo.wav").string(), "style sound");
  EXPECT_EQ(clip.samples.size(0), 1000);
  EXPECT_NEAR(clip.samples.mean().item<double>(), 0.2, 1e-6);
}

TEST(AudioIo, DecodesFlacOggAndMp3) {
  TempDir dir;
  const torch::Tensor tone = harmonic_tone(440, 1.0, 22050);
  const std::vector<float> samples = values(tone);
  struct Case {
    const char* name;
    int format;
    double tolerance;  // lossy codecs change the samples
  };
  for (const Case& c : {Case{"tone.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1e-4},
                        Case{"tone.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 0.1},
                        Case{"tone.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 0.1}}) {
    ASSERT_TRUE(write_sound(dir / c.name, samples, 1, 22050, c.format)) << c.name << ": " << sf_strerror(nullptr);
    const AudioClip clip = load_audio((dir / c.name).string(), "style sound");
    EXPECT_EQ(clip.sample_rate, 22050) << c.name;
    ASSERT_GT(clip.samples.size(0), 20000) << c.name;
    // Lossy decoders may add a few samples of delay; compare the energy and the tone's strength.
    const double rms_in = tone.square().mean().sqrt().item<double>();
    const double rms_out = clip.samples.square().mean().sqrt().item<double>();
    EXPECT_NEAR(rms_out, rms_in, rms_in * c.tolerance + 1e-4) << c.name;
  }
}

TEST(AudioIo, RefusesMissingGarbageEmptySilentAndTooLongFiles) {
  TempDir dir;
  EXPECT_EQ(error_of(dir / "none.wav"), "style sound '" + (dir / "none.wav").string() + "': no such file");
  write_bytes(dir / "garbage.wav", "this is not a sound file at all");
  EXPECT_NE(error_of(dir / "garbage.wav").find("not a sound file this build can decode"), std::string::npos);
  ASSERT_TRUE(write_sound(dir / "empty.wav", {}, 1, 8000, SF_FORMAT_WAV | SF_FORMAT_PCM_16));
  EXPECT_NE(error_of(dir / "empty.wav").find("holds no samples"), std::string::npos) << error_of(dir / "empty.wav");
  save_wav(torch::zeros({8000}), 8000, (dir / "silent.wav").string());
  EXPECT_NE(error_of(dir / "silent.wav").find("is silent"), std::string::npos);
  save_wav(harmonic_tone(440, 2.0, 8000), 8000, (dir / "long.wav").string());
  EXPECT_NE(error_of(dir / "long.wav", 1.5).find("2.0 s is longer than the limit of 1.5 s (--max-duration)"), std::string::npos)
      << error_of(dir / "long.wav", 1.5);
  EXPECT_EQ(error_of(dir / "long.wav", 3), "");
}

TEST(AudioIo, OutputMustBeAWavFileInAnExistingDirectory) {
  TempDir dir;
  EXPECT_NO_THROW(check_writable_wav_path((dir / "out.WAV").string()));
  EXPECT_THROW(check_writable_wav_path((dir / "out.mp3").string()), InputError);
  EXPECT_THROW(check_writable_wav_path((dir / "missing" / "out.wav").string()), InputError);
}

TEST(AudioIo, WavHeaderDescribesSixteenBitMono) {
  const std::string bytes = encode_wav(torch::tensor({0.0f, 1.0f, -1.0f, 2.0f}), 22050);
  ASSERT_EQ(bytes.size(), 44u + 8);
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(bytes.substr(8, 8), "WAVEfmt ");
  auto u16 = [&](size_t at) { return static_cast<uint8_t>(bytes[at]) | static_cast<uint8_t>(bytes[at + 1]) << 8; };
  EXPECT_EQ(u16(22), 1);   // channels
  EXPECT_EQ(u16(34), 16);  // bits
  EXPECT_EQ(static_cast<int16_t>(u16(46)), 32767);
  EXPECT_EQ(static_cast<int16_t>(u16(48)), -32767);
  EXPECT_EQ(static_cast<int16_t>(u16(50)), 32767);  // clamped
}

}  // namespace
}  // namespace impasto::testing
