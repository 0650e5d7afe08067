#pragma once
// Small clips made by the tests themselves: textures and photos seen by a panning camera, a tone as WAV.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace impasto::testing {

// A smooth random texture (blurred noise, 8-bit BGR), larger than the frames cut from it.
inline cv::Mat texture(int size = 160, unsigned seed = 7) {
  cv::Mat noise(size, size, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::Mat smooth;
  cv::GaussianBlur(noise, smooth, cv::Size(0, 0), 2.0);
  cv::normalize(smooth, smooth, 0, 255, cv::NORM_MINMAX);
  return smooth;
}

// The frame of `size` whose top-left corner is at (x, y) of the texture: a camera panning over it.
inline cv::Mat view(const cv::Mat& texture, int x, int y, cv::Size size) {
  return texture(cv::Rect(x, y, size.width, size.height)).clone();
}

// Frame i of a camera panning `step` px a frame to the left over `photo` (the scene moves right),
// `size` pixels, cut from the photo shrunk to 1.5× the frame's width.
inline cv::Mat panning_frame(const cv::Mat& photo, int i, cv::Size size, int step = 2) {
  cv::Mat scene;
  const double scale = 1.5 * size.width / photo.cols;
  cv::resize(photo, scene, cv::Size(), scale, scale, cv::INTER_AREA);
  const int x0 = scene.cols - size.width - 1 - i * step, y0 = (scene.rows - size.height) / 2;
  return scene(cv::Rect(x0, y0, size.width, size.height)).clone();
}

// A mono 16-bit PCM WAV file of a 440 Hz tone.
inline void write_tone(const std::filesystem::path& path, double seconds, int rate = 16000) {
  const uint32_t samples = static_cast<uint32_t>(seconds * rate), data_bytes = samples * 2;
  std::string wav = "RIFF" + std::string(4, '\0') + "WAVEfmt ";
  auto put = [&wav](uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) wav.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  };
  put(16, 4), put(1, 2), put(1, 2), put(rate, 4), put(rate * 2, 4), put(2, 2), put(16, 2);
  wav += "data";
  put(data_bytes, 4);
  for (uint32_t i = 0; i < samples; ++i)
    put(static_cast<uint16_t>(static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * i / rate))), 2);
  const uint32_t riff = static_cast<uint32_t>(wav.size() - 8);
  std::memcpy(wav.data() + 4, &riff, 4);
  write_bytes(path, wav);
}

}  // namespace impasto::testing
