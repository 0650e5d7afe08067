#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace impasto::server {

// What an image file's first bytes declare, read without decoding any pixels, so that an upload
// claiming 100000x100000 pixels is refused before a decoder allocates memory for it.
struct ImageHeader {
  std::string format;     // "PNG", "JPEG", "WebP", "BMP"
  std::string extension;  // ".png", ".jpg", ".webp", ".bmp"
  int64_t width = 0, height = 0;
};

// The format named by the file's signature, or nullopt for any other kind of file.
std::optional<std::string> sniff_format(std::string_view bytes);

// The format and declared size; nullopt when the signature is unknown or the header is damaged.
std::optional<ImageHeader> read_image_header(std::string_view bytes);

// Why these bytes are not a complete PNG image of width x height, or "" when they are: checks the
// signature, the declared size and the closing IEND chunk (a file cut short has none).
std::string incomplete_png(std::string_view bytes, int64_t width, int64_t height);

}  // namespace impasto::server
