#include "server/upload_store.h"

#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "server/image_header.h"

namespace impasto::server {
namespace {

std::string megabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", bytes / (1 << 20));
  return text;
}

std::string random_id() {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  std::lock_guard lock(mutex);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

void check_declared_size(const ImageHeader& header, const UploadLimits& limits) {
  if (header.width <= 0 || header.height <= 0)
    throw InputError("the " + header.format + " file declares an empty image; it is damaged");
  const double pixels = static_cast<double>(header.width) * static_cast<double>(header.height);
  if (pixels > static_cast<double>(limits.max_pixels)) {
    char text[200];
    std::snprintf(text, sizeof text, "the image is %lld x %lld pixels (%.1f megapixels); the limit is %.1f megapixels",
                  static_cast<long long>(header.width), static_cast<long long>(header.height), pixels / 1e6,
                  limits.max_pixels / 1e6);
    throw InputError(text);
  }
}

}  // namespace

UploadStore::UploadStore(std::filesystem::path directory, UploadLimits limits)
    : directory_(std::move(directory)), limits_(limits) {
  namespace fs = std::filesystem;
  fs::create_directories(directory_);
  fs::permissions(directory_, fs::perms::owner_all, fs::perm_options::replace);  // private to this user
}

StoredImage UploadStore::add(const std::string& bytes, const std::string& client_name) {
  if (bytes.empty()) throw InputError("the file is empty");
  if (bytes.size() > limits_.max_bytes)
    throw InputError("the file is " + megabytes(bytes.size()) + "; the limit is " + megabytes(limits_.max_bytes));
  if (!sniff_format(bytes)) throw InputError("unsupported file type: choose a PNG, JPEG, WebP or BMP image");
  const auto header = read_image_header(bytes);
  if (!header) throw InputError("the file is damaged: its image header cannot be read");
  check_declared_size(*header, limits_);

  cv::Mat decoded;
  try {
    decoded = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
                           cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    decoded = cv::Mat();
  }
  if (decoded.empty()) throw InputError("the " + header->format + " file is damaged: it cannot be decoded");

  StoredImage image;
  image.id = random_id();
  image.name = display_name(client_name);
  image.width = decoded.cols;
  image.height = decoded.rows;
  image.format = header->format;
  image.file = directory_ / (image.id + header->extension);
  write_file_atomically(image.file.string(), bytes);
  std::filesystem::permissions(image.file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  std::lock_guard lock(mutex_);
  images_[image.id] = image;
  return image;
}

std::optional<StoredImage> UploadStore::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = images_.find(id);
  if (found == images_.end()) return std::nullopt;
  return found->second;
}

std::string display_name(const std::string& client_name) {
  std::string name = client_name.substr(client_name.find_last_of("/\\") == std::string::npos
                                            ? 0
                                            : client_name.find_last_of("/\\") + 1);
  std::string clean;
  for (unsigned char c : name)
    if (c >= 0x20 && c != 0x7F) clean += static_cast<char>(c);
  if (clean.size() > 80) {
    clean.resize(80);
    while (!clean.empty() && (static_cast<unsigned char>(clean.back()) & 0xC0) == 0x80) clean.pop_back();
    if (!clean.empty() && static_cast<unsigned char>(clean.back()) >= 0xC0) clean.pop_back();  // cut sequence
  }
  if (clean.empty() || clean == "." || clean == "..") clean = "image";
  return clean;
}

}  // namespace impasto::server
