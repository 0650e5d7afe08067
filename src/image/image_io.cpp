#include "image/image_io.h"

#include <torch/torch.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <filesystem>
#include <iterator>
#include <limits>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/image_check.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

torch::Tensor from_mat(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32FC3, 1.0 / 255.0);
  return torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kFloat).permute({2, 0, 1}).unsqueeze(0).clone(at::MemoryFormat::Contiguous);
}

}  // namespace

torch::Tensor pixel_values(const torch::Tensor& image, int bit_depth) {
  const bool deep = bit_depth == 16;
  return image.detach()
      .squeeze(0)
      .to(torch::kCPU, torch::kFloat)
      .clamp(0, 1)
      .mul_(deep ? 65535 : 255)
      .round_()
      .to(deep ? torch::kInt32 : torch::kUInt8)  // torch has no uint16
      .permute({1, 2, 0})
      .contiguous();
}

namespace {

cv::Mat to_mat(const torch::Tensor& image, int bit_depth = 8) {
  const bool deep = bit_depth == 16;
  const torch::Tensor chw = image.detach().squeeze(0);  // [3,H,W], RGB
  const int height = static_cast<int>(chw.size(1)), width = static_cast<int>(chw.size(2));
  cv::Mat bgr(height, width, deep ? CV_16UC3 : CV_8UC3);
  // Converted a band of rows at a time, so that a large output needs no whole-image float copies.
  constexpr int kRows = 64;
  for (int y = 0; y < height; y += kRows) {
    const int rows = std::min(kRows, height - y);
    const torch::Tensor band = pixel_values(chw.narrow(1, y, rows).flip(0), bit_depth);  // BGR, as OpenCV writes
    cv::Mat source(rows, width, deep ? CV_32SC3 : CV_8UC3, band.data_ptr());
    cv::Mat target = bgr.rowRange(y, y + rows);
    source.convertTo(target, deep ? CV_16UC3 : CV_8UC3);
  }
  return bgr;
}

// libjpeg and libpng print warnings about damaged files straight to stderr; the caller reports
// the problem in its own one-line error instead.
cv::Mat decode_quietly(const std::string& bytes) {
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  const int null = ::open("/dev/null", O_WRONLY);
  if (saved >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
  cv::Mat image;
  try {
    image = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
                         cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    image = cv::Mat();
  }
  if (saved >= 0) {
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
  }
  if (null >= 0) ::close(null);
  return image;
}

}  // namespace

torch::Tensor load_image(const std::string& path, const std::string& role) {
  const std::string what = role + " '" + path + "'";
  std::error_code error;
  const auto status = fs::status(path, error);
  if (!fs::exists(status)) throw InputError("cannot read " + what + ": no such file");
  if (fs::is_directory(status)) throw InputError("cannot read " + what + ": it is a directory");
  // A FIFO or device would block the read (or never end): only plain files are images.
  if (!fs::is_regular_file(status)) throw InputError("cannot read " + what + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + what + ": permission denied or unreadable");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError("cannot read " + what + ": read error");
  if (bytes.empty()) throw InputError("cannot decode " + what + ": the file is empty");
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw InputError("cannot decode " + what + ": the file is larger than 2 GB");
  if (const auto damage = image_damage(bytes)) throw InputError("cannot decode " + what + ": damaged file (" + *damage + ")");
  cv::Mat bgr = decode_quietly(bytes);
  if (bgr.empty()) throw InputError("cannot decode " + what + ": not a valid image file");
  return from_mat(bgr);
}

torch::Tensor resize_to(const torch::Tensor& image, int64_t height, int64_t width) {
  if (image.size(2) == height && image.size(3) == width) return image;
  torch::Tensor hwc = image.detach().to(torch::kCPU).squeeze(0).permute({1, 2, 0}).contiguous();
  cv::Mat source(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC3, hwc.data_ptr());
  cv::Mat resized;
  const bool shrinking = height * width < image.size(2) * image.size(3);
  cv::resize(source, resized, cv::Size(static_cast<int>(width), static_cast<int>(height)), 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  return torch::from_blob(resized.data, {height, width, 3}, torch::kFloat)
      .permute({2, 0, 1}).unsqueeze(0).clone(at::MemoryFormat::Contiguous).clamp_(0, 1).to(image.device());
}

std::pair<int64_t, int64_t> longest_side_size(int64_t height, int64_t width, int longest) {
  const double scale = static_cast<double>(longest) / std::max(height, width);
  return {std::max<int64_t>(1, std::llround(height * scale)), std::max<int64_t>(1, std::llround(width * scale))};
}

torch::Tensor resize_longest(const torch::Tensor& image, int longest) {
  const auto [height, width] = longest_side_size(image.size(2), image.size(3), longest);
  return resize_to(image, height, width);
}

void check_writable_image_path(const std::string& path) {
  if (!cv::haveImageWriter(path))
    throw InputError("cannot write '" + path + "': unsupported image type (use .png, .jpg, .tif, .bmp or .webp)");
  const fs::path parent = fs::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !fs::is_directory(parent, error))
    throw InputError("cannot write '" + path + "': directory '" + parent.string() + "' does not exist");
}

void save_image(const torch::Tensor& image, const std::string& path, int bit_depth) {
  std::vector<uchar> bytes;
  bool encoded = false;
  try {
    encoded = cv::imencode(fs::path(path).extension().string(), to_mat(image, bit_depth), bytes);
  } catch (const cv::Exception&) {
    encoded = false;
  }
  if (!encoded) throw InputError("cannot write '" + path + "': the image cannot be encoded in this format");
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

std::string encode_png(const torch::Tensor& image) {
  std::vector<uchar> bytes;
  cv::imencode(".png", to_mat(image), bytes);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace impasto
