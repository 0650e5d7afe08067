#pragma once
#include <cstdint>
#include <ostream>
#include <vector>

namespace impasto {

// A minimal animated GIF89a encoder (OpenCV 4.6 writes no GIF): every frame gets its own 256-colour
// palette by median cut and is LZW-compressed; the animation loops forever.
class GifEncoder {
 public:
  GifEncoder(std::ostream& out, int width, int height, int delay_centiseconds);
  // rgb: height * width * 3 bytes, row-major.
  void add_frame(const std::vector<uint8_t>& rgb);
  // Writes the trailer; the stream holds a complete file afterwards.
  void finish();

 private:
  std::ostream& out_;
  int width_, height_, delay_;
};

// Median-cut quantisation: a palette of at most 256 colours (3 bytes each) and every pixel's index.
struct IndexedImage {
  std::vector<uint8_t> palette;
  std::vector<uint8_t> indices;
};
IndexedImage quantise(const std::vector<uint8_t>& rgb);

// GIF's variable-width LZW of 8-bit indices (minimum code size 8), without the sub-block framing.
std::vector<uint8_t> lzw_compress(const std::vector<uint8_t>& indices);

}  // namespace impasto
