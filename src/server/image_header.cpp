#include "server/image_header.h"

#include "server/bytes.h"

namespace impasto::server {
namespace {

std::optional<ImageHeader> png(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return ImageHeader{"PNG", ".png", big_endian(b, 16, 4), big_endian(b, 20, 4)};
}

// Walks the marker segments up to the first start-of-frame, which holds the size.
std::optional<ImageHeader> jpeg(std::string_view b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length field
      at += 2;
      continue;
    }
    const size_t length = big_endian(b, at + 2, 2);
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {
      if (at + 9 > b.size() || length < 7) return std::nullopt;
      return ImageHeader{"JPEG", ".jpg", big_endian(b, at + 7, 2), big_endian(b, at + 5, 2)};
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageHeader> webp(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 ")
    return ImageHeader{"WebP", ".webp", little_endian(b, 26, 2) & 0x3FFF, little_endian(b, 28, 2) & 0x3FFF};
  if (chunk == "VP8L") {
    const uint32_t bits = little_endian(b, 21, 4);
    return ImageHeader{"WebP", ".webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (chunk == "VP8X")
    return ImageHeader{"WebP", ".webp", little_endian(b, 24, 3) + int64_t{1}, little_endian(b, 27, 3) + int64_t{1}};
  return std::nullopt;
}

std::optional<ImageHeader> bmp(std::string_view b) {
  if (b.size() < 26) return std::nullopt;
  if (little_endian(b, 14, 4) == 12)  // OS/2 core header: 16-bit sizes
    return ImageHeader{"BMP", ".bmp", little_endian(b, 18, 2), little_endian(b, 20, 2)};
  const auto width = static_cast<int32_t>(little_endian(b, 18, 4));
  const auto height = static_cast<int32_t>(little_endian(b, 22, 4));  // negative: stored top-down
  return ImageHeader{"BMP", ".bmp", width < 0 ? -int64_t{width} : width, height < 0 ? -int64_t{height} : height};
}

}  // namespace

std::optional<std::string> sniff_format(std::string_view b) {
  if (starts_with(b, "\x89PNG\r\n\x1a\n")) return "PNG";
  if (starts_with(b, "\xFF\xD8\xFF")) return "JPEG";
  if (starts_with(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return "WebP";
  if (starts_with(b, "BM")) return "BMP";
  return std::nullopt;
}

std::optional<ImageHeader> read_image_header(std::string_view b) {
  const auto format = sniff_format(b);
  if (!format) return std::nullopt;
  if (*format == "PNG") return png(b);
  if (*format == "JPEG") return jpeg(b);
  if (*format == "WebP") return webp(b);
  return bmp(b);
}

std::string incomplete_png(std::string_view bytes, int64_t width, int64_t height) {
  const auto header = read_image_header(bytes);
  if (!header || header->format != "PNG") return "it is not a PNG image";
  if (header->width != width || header->height != height)
    return "it is " + std::to_string(header->width) + "x" + std::to_string(header->height) + " pixels, not " +
           std::to_string(width) + "x" + std::to_string(height);
  static constexpr std::string_view iend("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
  if (bytes.size() < iend.size() || bytes.substr(bytes.size() - iend.size()) != iend) return "it is cut short";
  return "";
}

}  // namespace impasto::server
