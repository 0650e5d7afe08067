#include "image/animation.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <torch/torch.h>

#include "image/gif_encoder.h"
#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

std::string extension_of(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

// Frames are encoded in memory (a few MB) and the whole file written with write_file_atomically.
class GifWriter : public AnimationWriter {
 public:
  GifWriter(const std::string& path, int64_t width, int64_t height, double fps)
      : path_(path),
        encoder_(out_, static_cast<int>(width), static_cast<int>(height), std::max(2, static_cast<int>(std::lround(100 / fps)))) {}
  void add(const torch::Tensor& image) override {
    const torch::Tensor bytes = pixel_values(image);
    const uint8_t* data = bytes.data_ptr<uint8_t>();
    encoder_.add_frame(std::vector<uint8_t>(data, data + bytes.numel()));
  }
  void finish() override {
    encoder_.finish();
    write_file_atomically(path_, out_.str());
  }

 private:
  std::string path_;
  std::ostringstream out_;
  GifEncoder encoder_;
};

// H.264 and the usual 4:2:0 pixel format need even sizes: an odd last row or column is dropped.
class Mp4Writer : public AnimationWriter {
 public:
  Mp4Writer(const std::string& path, int64_t width, int64_t height, double fps)
      : path_(path), temporary_(temporary_sibling(path)), size_(static_cast<int>(width & ~1), static_cast<int>(height & ~1)) {
    if (size_.width < 2 || size_.height < 2) throw InputError("--animate: the image is too small for an mp4");
    for (const char* codec : {"avc1", "mp4v"}) {
      writer_.open(temporary_.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]),
                   fps, size_);
      if (writer_.isOpened()) return;
    }
    throw InputError("cannot write '" + path + "': no mp4 encoder available in OpenCV");
  }
  ~Mp4Writer() override {
    if (!finished_) {
      writer_.release();
      std::error_code error;
      fs::remove(temporary_, error);
    }
  }
  void add(const torch::Tensor& image) override {
    const torch::Tensor bytes = pixel_values(image);
    cv::Mat rgb(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr());
    cv::Mat bgr;
    cv::cvtColor(rgb(cv::Rect(0, 0, size_.width, size_.height)), bgr, cv::COLOR_RGB2BGR);
    writer_.write(bgr);
  }
  void finish() override {
    writer_.release();
    finished_ = true;
    commit_file(temporary_.string(), path_);  // OpenCV reports no write error: an empty file is one
  }

 private:
  std::string path_;
  fs::path temporary_;
  cv::Size size_;
  cv::VideoWriter writer_;
  bool finished_ = false;
};

}  // namespace

void check_animation_path(const std::string& path) {
  const std::string extension = extension_of(path);
  if (extension != ".gif" && extension != ".mp4")
    throw InputError("--animate must name a .gif or .mp4 file, got '" + path + "'");
  const fs::path parent = fs::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !fs::is_directory(parent, error))
    throw InputError("cannot write '" + path + "': directory '" + parent.string() + "' does not exist");
}

std::unique_ptr<AnimationWriter> AnimationWriter::open(const std::string& path, int64_t width, int64_t height,
                                                       double frames_per_second) {
  check_animation_path(path);
  if (extension_of(path) == ".gif") return std::make_unique<GifWriter>(path, width, height, frames_per_second);
  return std::make_unique<Mp4Writer>(path, width, height, frames_per_second);
}

}  // namespace impasto
