#pragma once
// Damaged variants of real images, as a user meets them: a download cut short, a disk error that
// overwrote a block, a file cut right after the JPEG scan header.
#include <opencv2/imgcodecs.hpp>

#include <string>
#include <utility>
#include <vector>

#include "weights/weights_test_util.h"

namespace impasto::testing {

struct DamagedImage {
  std::string name;
  std::string bytes;
};

// Offset just past the first JPEG SOS segment (its marker, length and component table).
inline size_t after_scan_header(const std::string& jpeg) {
  for (size_t i = 2; i + 3 < jpeg.size(); ++i)
    if (static_cast<unsigned char>(jpeg[i]) == 0xFF && static_cast<unsigned char>(jpeg[i + 1]) == 0xDA)
      return i + 2 + (static_cast<unsigned char>(jpeg[i + 2]) << 8 | static_cast<unsigned char>(jpeg[i + 3]));
  return jpeg.size() / 2;
}

inline std::string overwritten(std::string bytes, double where, size_t count, char value) {
  const auto at = static_cast<size_t>(static_cast<double>(bytes.size()) * where);
  for (size_t i = at; i < at + count && i < bytes.size(); ++i) bytes[i] = value;
  return bytes;
}

inline std::string flipped(std::string bytes, double where) {
  bytes[static_cast<size_t>(static_cast<double>(bytes.size()) * where)] ^= '\xFF';
  return bytes;
}

inline std::vector<DamagedImage> damaged_jpegs(const std::string& jpeg) {
  return {{"jpeg cut at 3000 bytes", jpeg.substr(0, 3000)},
          {"jpeg cut at 50%", jpeg.substr(0, jpeg.size() / 2)},
          {"jpeg cut at 95%", jpeg.substr(0, jpeg.size() * 95 / 100)},
          {"jpeg cut after its scan header", jpeg.substr(0, after_scan_header(jpeg))},
          {"jpeg with 64 bytes overwritten in the middle", overwritten(jpeg, 0.5, 64, '\x55')},
          {"jpeg with 16 bytes zeroed at 30%", overwritten(jpeg, 0.3, 16, '\0')}};
}

inline std::vector<DamagedImage> damaged_pngs(const std::string& png) {
  return {{"png cut at 50%", png.substr(0, png.size() / 2)},
          {"png cut at 95%", png.substr(0, png.size() * 95 / 100)},
          {"png without its IEND chunk", png.substr(0, png.size() - 12)},
          {"png with a byte of image data changed", flipped(png, 0.5)}};
}

inline std::vector<DamagedImage> damaged_webps(const std::string& webp) {
  return {{"webp cut at 50%", webp.substr(0, webp.size() / 2)},
          {"webp cut at 95%", webp.substr(0, webp.size() * 95 / 100)}};
}

inline std::string encoded(const std::string& image_path, const std::string& extension) {
  std::vector<uchar> bytes;
  cv::imencode(extension, cv::imread(image_path), bytes);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace impasto::testing
