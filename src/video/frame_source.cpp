#include "video/frame_source.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <vector>

#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

std::string size_text(const cv::Size& size) { return std::to_string(size.width) + "x" + std::to_string(size.height); }

cv::Mat read_image(const std::string& path, const std::string& clip) {
  cv::Mat image;
  try {
    image = cv::imread(path, cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
  }
  if (image.empty()) throw InputError("cannot decode frame '" + path + "' of '" + clip + "': not a valid image file");
  return image;
}

class ImageListSource : public FrameSource {
 public:
  ImageListSource(const std::string& path, std::vector<std::string> files) : FrameSource(path), files_(std::move(files)) {}

 protected:
  cv::Mat read() override {
    if (next_ == files_.size()) return {};
    return read_image(files_[next_++], path());
  }

 private:
  std::vector<std::string> files_;
  size_t next_ = 0;
};

class VideoSource : public FrameSource {
 public:
  VideoSource(const std::string& path, cv::VideoCapture capture) : FrameSource(path), capture_(std::move(capture)) {}
  double frames_per_second() const override {
    const double fps = capture_.get(cv::CAP_PROP_FPS);
    return fps > 0 && fps < 1000 ? fps : 25;
  }

 protected:
  cv::Mat read() override {
    cv::Mat frame;
    if (!capture_.read(frame)) return {};
    return frame;
  }

 private:
  mutable cv::VideoCapture capture_;
};

bool is_image_name(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"})
    if (extension == known) return true;
  return false;
}

std::unique_ptr<FrameSource> open_folder(const std::string& path) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path))
    if (entry.is_regular_file() && is_image_name(entry.path()) && entry.path().filename().string()[0] != '.')
      files.push_back(entry.path().string());
  if (files.empty()) throw InputError("cannot read frames from '" + path + "': the folder holds no images");
  std::sort(files.begin(), files.end());
  return std::make_unique<ImageListSource>(path, std::move(files));
}

std::string numbered(const std::string& pattern, int index) {
  char name[4096];
  std::snprintf(name, sizeof name, pattern.c_str(), index);
  return name;
}

std::unique_ptr<FrameSource> open_pattern(const std::string& pattern) {
  // Exactly one integer conversion, so that snprintf reads only the argument we give.
  const size_t percent = pattern.find('%');
  const size_t conversion = pattern.find_first_not_of("0123456789", percent + 1);
  if (conversion == std::string::npos || pattern[conversion] != 'd' || pattern.find('%', conversion) != std::string::npos)
    throw InputError("cannot read frames from '" + pattern + "': a frame pattern needs one %d (e.g. frame_%04d.png)");
  int index = fs::exists(numbered(pattern, 0)) ? 0 : 1;
  std::vector<std::string> files;
  for (std::string name = numbered(pattern, index); fs::exists(name); name = numbered(pattern, ++index))
    files.push_back(name);
  if (files.empty()) throw InputError("cannot read frames from '" + pattern + "': no file matches the pattern");
  return std::make_unique<ImageListSource>(pattern, std::move(files));
}

std::unique_ptr<FrameSource> open_video(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw InputError("cannot read video '" + path + "': no such file");
  if (!std::ifstream(path, std::ios::binary)) throw InputError("cannot read video '" + path + "': permission denied");
  // FFmpeg's own log lines ("moov atom not found") would break the one-line error; the user can still
  // ask for them with OPENCV_FFMPEG_LOGLEVEL.
  ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
  cv::VideoCapture capture;
  try {
    capture.open(path, cv::CAP_FFMPEG);
  } catch (const cv::Exception&) {
  }
  if (!capture.isOpened()) throw InputError("cannot decode video '" + path + "': not a video OpenCV can read");
  return std::make_unique<VideoSource>(path, std::move(capture));
}

}  // namespace

std::unique_ptr<FrameSource> FrameSource::open(const std::string& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) return open_folder(path);
  if (path.find('%') != std::string::npos && !fs::exists(path, error)) return open_pattern(path);
  return open_video(path);
}

cv::Mat FrameSource::next() {
  cv::Mat frame = read();
  if (frame.empty()) {
    if (count_ == 0) throw InputError("cannot read video '" + path_ + "': it has no frames");
    return frame;
  }
  ++count_;
  if (count_ == 1) first_size_ = frame.size();
  else if (frame.size() != first_size_)
    throw InputError("frame " + std::to_string(count_) + " of '" + path_ + "' is " + size_text(frame.size()) +
                     ", the first frame is " + size_text(first_size_) + ": the frame size must not change");
  return frame;
}

int count_frames(const std::string& path, int max_frames) {
  auto source = FrameSource::open(path);
  int count = 0;
  while ((max_frames == 0 || count < max_frames) && !source->next().empty()) ++count;
  return count;
}

std::vector<cv::Mat> read_frames(FrameSource& source, int max_frames, const cv::Mat& first, cv::Size size) {
  std::vector<cv::Mat> frames;
  auto add = [&](const cv::Mat& frame) {
    cv::Mat sized;
    cv::resize(frame, sized, size, 0, 0, size.area() < frame.size().area() ? cv::INTER_AREA : cv::INTER_CUBIC);
    frames.push_back(sized);
  };
  add(first);
  while (max_frames == 0 || static_cast<int>(frames.size()) < max_frames) {
    const cv::Mat frame = source.next();
    if (frame.empty()) break;
    add(frame);
  }
  return frames;
}

}  // namespace impasto
