#include "audio/audio_io.h"

#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

// Below this peak amplitude (about -100 dBFS) a file holds nothing to learn from.
constexpr double kSilence = 1e-5;

// libsndfile hands data it does not recognise to mpg123, which prints "Note: ..." lines on stderr;
// errors are one line, so stderr goes to /dev/null while a file is decoded (the process's other
// threads lose their stderr output for that time).
class MutedStderr {
 public:
  MutedStderr() {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
  }
  ~MutedStderr() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  MutedStderr(const MutedStderr&) = delete;
  MutedStderr& operator=(const MutedStderr&) = delete;

 private:
  int saved_ = -1;
};

struct SndfileCloser {
  void operator()(SNDFILE* file) const { sf_close(file); }
};

std::string lower_extension(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension;
}

void append_le(std::string& bytes, uint32_t value, int size) {
  for (int i = 0; i < size; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

AudioClip load_audio(const std::string& path, const std::string& role, double max_seconds) {
  const std::string what = role + " '" + path + "'";
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw InputError(what + ": no such file");
  const MutedStderr muted;
  SF_INFO info{};
  std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw InputError(what + ": not a sound file this build can decode (WAV, FLAC, Ogg, MP3)");
  if (info.frames <= 0 || info.channels <= 0 || info.samplerate <= 0) throw InputError(what + ": holds no samples");
  const double seconds = static_cast<double>(info.frames) / info.samplerate;
  if (max_seconds > 0 && seconds > max_seconds) {
    char text[128];
    std::snprintf(text, sizeof text, ": %.1f s is longer than the limit of %g s (--max-duration)", seconds,
                  max_seconds);
    throw InputError(what + text);
  }
  // Read in blocks: some decoders (MP3) only know the frame count approximately.
  std::vector<float> mono;
  mono.reserve(static_cast<size_t>(info.frames));
  std::vector<float> block(static_cast<size_t>(info.channels) * 65536);
  for (;;) {
    const sf_count_t got = sf_readf_float(file.get(), block.data(), 65536);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      float sum = 0;
      for (int c = 0; c < info.channels; ++c) sum += block[static_cast<size_t>(i * info.channels + c)];
      mono.push_back(sum / static_cast<float>(info.channels));
    }
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) throw InputError(what + ": " + sf_strerror(file.get()));
  if (mono.empty()) throw InputError(what + ": holds no samples");
  float peak = 0;
  for (float v : mono) peak = std::max(peak, std::abs(v));
  if (!(peak > kSilence)) throw InputError(what + " is silent");
  AudioClip clip;
  clip.samples = torch::from_blob(mono.data(), {static_cast<int64_t>(mono.size())}, torch::kFloat).clone();
  clip.sample_rate = info.samplerate;
  return clip;
}

std::string encode_wav(const torch::Tensor& samples, int sample_rate) {
  const torch::Tensor pcm =
      (samples.detach().to(torch::kFloat).contiguous().clamp(-1, 1) * 32767).round().to(torch::kInt16).contiguous();
  const uint32_t data_bytes = static_cast<uint32_t>(pcm.numel() * 2);
  std::string bytes;
  bytes.reserve(44 + data_bytes);
  bytes += "RIFF";
  append_le(bytes, 36 + data_bytes, 4);
  bytes += "WAVEfmt ";
  append_le(bytes, 16, 4);                                     // fmt chunk size
  append_le(bytes, 1, 2);                                      // PCM
  append_le(bytes, 1, 2);                                      // mono
  append_le(bytes, static_cast<uint32_t>(sample_rate), 4);
  append_le(bytes, static_cast<uint32_t>(sample_rate) * 2, 4);  // bytes per second
  append_le(bytes, 2, 2);                                      // bytes per frame
  append_le(bytes, 16, 2);                                     // bits per sample
  bytes += "data";
  append_le(bytes, data_bytes, 4);
  const int16_t* values = pcm.data_ptr<int16_t>();
  for (int64_t i = 0; i < pcm.numel(); ++i) append_le(bytes, static_cast<uint16_t>(values[i]), 2);
  return bytes;
}

void save_wav(const torch::Tensor& samples, int sample_rate, const std::string& path) {
  write_file_atomically(path, encode_wav(samples, sample_rate));
}

void check_writable_wav_path(const std::string& path) {
  if (lower_extension(path) != ".wav") throw InputError("output '" + path + "': only .wav is written");
  const fs::path directory = fs::path(path).parent_path();
  std::error_code error;
  if (!directory.empty() && !fs::is_directory(directory, error))
    throw InputError("output '" + path + "': directory '" + directory.string() + "' does not exist");
}

}  // namespace impasto
