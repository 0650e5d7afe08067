#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <thread>

#include "impasto/errors.h"
#include "impasto/stylize.h"

namespace impasto::testing {

// An encoded image of this size ("png", "jpg", "webp", "bmp").
inline std::string encoded_image(int width, int height, const std::string& extension = "png") {
  cv::Mat image(height, width, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
  std::vector<uchar> bytes;
  cv::imencode("." + extension, image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

// A valid PNG signature and IHDR chunk declaring these dimensions, and no pixel data.
inline std::string png_header(uint32_t width, uint32_t height) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (uint32_t v : {width, height})
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((v >> shift) & 0xFF);
  bytes += std::string("\x08\x02\0\0\0", 5);  // 8-bit RGB
  bytes += std::string("\0\0\0\0", 4);        // CRC (not checked before decoding)
  return bytes;
}

// Stands in for impasto::stylize: `iterations` quick steps with callbacks, then a grey image of
// options.size x options.size/2 written to options.output. While `hold` is set it waits at the
// first iteration, so a test can look at a running job.
struct FakeRunner {
  std::atomic<bool> hold{false};
  std::atomic<int> runs{0};
  std::atomic<int> running{0}, most_running{0};

  Options last_options() {
    std::lock_guard lock(mutex);
    return last;
  }

  RunResult operator()(const Options& options, const RunCallbacks& callbacks) {
    if (options.content.find("fail") != std::string::npos) throw InputError("cannot decode content image: bad");
    {
      std::lock_guard lock(mutex);
      last = options;
    }
    if (options.content.find("note") != std::string::npos && callbacks.on_note)
      callbacks.on_note("the weights hold only part of the network");
    ++runs;
    const int now = ++running;
    most_running = std::max(most_running.load(), now);
    struct Leave {
      std::atomic<int>& n;
      ~Leave() { --n; }
    } leave{running};
    RunResult result;
    for (int i = 1; i <= options.iterations; ++i) {
      while (hold && !(callbacks.cancelled && callbacks.cancelled()))
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      IterationRecord r{i, 1.0 / i, 10.0 / i, 0.1, 11.1 / i, 0.01 * i};
      r.losses = {{"content", r.content_loss}, {"style", r.style_loss}, {"tv", r.tv_loss}};
      result.iterations.push_back(r);
      if (callbacks.on_iteration) callbacks.on_iteration(r, options.iterations);
      if (callbacks.on_preview && callbacks.preview_every > 0 && i % callbacks.preview_every == 0)
        callbacks.on_preview(i, encoded_image(8, 4));
      if (callbacks.cancelled && callbacks.cancelled()) throw RunCancelled();
    }
    result.output_width = options.size;
    result.output_height = options.size / 2;
    cv::imwrite(options.output, cv::Mat(options.size / 2, options.size, CV_8UC3, cv::Scalar::all(128)));
    result.final = result.iterations.empty() ? IterationRecord{} : result.iterations.back();
    return result;
  }

 private:
  std::mutex mutex;
  Options last;
};

// Polls `condition` for up to `seconds`.
template <class Condition>
bool eventually(Condition condition, double seconds = 10) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

}  // namespace impasto::testing
