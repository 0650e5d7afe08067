#pragma once
#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace impasto {

// The frames of a clip, in order: any video OpenCV reads, a folder of images (sorted by name), or a
// printf pattern of numbered images (frame_%04d.png, numbered from 0 or 1).
class FrameSource {
 public:
  // Throws InputError for a missing or unreadable video, an empty folder or a pattern matching nothing.
  static std::unique_ptr<FrameSource> open(const std::string& path);
  virtual ~FrameSource() = default;

  // The next frame as 8-bit BGR; an empty Mat after the last. Throws InputError when a frame cannot be
  // decoded or its size differs from the first frame's.
  cv::Mat next();
  // The video's frame rate; 25 for image sequences and videos that do not say.
  virtual double frames_per_second() const { return 25; }
  const std::string& path() const { return path_; }

 protected:
  explicit FrameSource(std::string path) : path_(std::move(path)) {}
  // The next frame as decoded, any size; empty at the end.
  virtual cv::Mat read() = 0;

 private:
  std::string path_;
  cv::Size first_size_;
  int count_ = 0;
};

// The number of frames of the clip at `path` (at most `max_frames`; 0: all), by decoding them.
int count_frames(const std::string& path, int max_frames);

// `first` and the frames after it (up to `max_frames` in all; 0: to the end), resized to `size`.
std::vector<cv::Mat> read_frames(FrameSource& source, int max_frames, const cv::Mat& first, cv::Size size);

}  // namespace impasto
