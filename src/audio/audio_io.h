#pragma once
#include <torch/types.h>

#include <string>

namespace impasto {

// A decoded sound: samples [L] float in -1..1, mixed to mono, at its file's sample rate.
struct AudioClip {
  torch::Tensor samples;
  int sample_rate = 0;
  double seconds() const { return sample_rate > 0 ? static_cast<double>(samples.size(0)) / sample_rate : 0; }
};

// Decodes WAV, FLAC, Ogg Vorbis/Opus, MP3 (libsndfile) and mixes the channels to mono. `role` names the
// file in errors ("content sound"). Throws InputError for a missing, unreadable or empty file, one
// that is silent, or one longer than max_seconds (0: no limit).
AudioClip load_audio(const std::string& path, const std::string& role, double max_seconds = 0);

// Samples [L] (clamped to -1..1) as the bytes of a 16-bit PCM mono WAV file.
std::string encode_wav(const torch::Tensor& samples, int sample_rate);

// Writes encode_wav() through a temporary file renamed into place.
void save_wav(const torch::Tensor& samples, int sample_rate, const std::string& path);

// Throws InputError unless `path` ends in .wav and its directory exists, before any work is done.
void check_writable_wav_path(const std::string& path);

}  // namespace impasto
