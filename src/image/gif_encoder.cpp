#include "image/gif_encoder.h"

#include <algorithm>
#include <array>

namespace impasto {
namespace {

void put16(std::ostream& out, int value) {
  out.put(static_cast<char>(value & 0xff));
  out.put(static_cast<char>((value >> 8) & 0xff));
}

// Packs codes least significant bit first.
class BitWriter {
 public:
  void write(uint32_t code, int bits) {
    buffer_ |= code << used_;
    used_ += bits;
    while (used_ >= 8) {
      bytes_.push_back(static_cast<uint8_t>(buffer_ & 0xff));
      buffer_ >>= 8;
      used_ -= 8;
    }
  }
  std::vector<uint8_t> finish() {
    if (used_ > 0) bytes_.push_back(static_cast<uint8_t>(buffer_ & 0xff));
    buffer_ = 0;
    used_ = 0;
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  uint32_t buffer_ = 0;
  int used_ = 0;
};

struct Box {
  size_t begin, end;  // range of the pixel order
  int channel = 0;    // channel of the widest spread
  int spread = -1;    // its max - min
};

}  // namespace

IndexedImage quantise(const std::vector<uint8_t>& rgb) {
  const size_t pixels = rgb.size() / 3;
  std::vector<uint32_t> order(pixels);
  for (size_t i = 0; i < pixels; ++i) order[i] = static_cast<uint32_t>(i);
  auto measure = [&](Box& box) {
    std::array<int, 3> low{255, 255, 255}, high{0, 0, 0};
    for (size_t k = box.begin; k < box.end; ++k)
      for (int c = 0; c < 3; ++c) {
        low[c] = std::min<int>(low[c], rgb[3 * order[k] + c]);
        high[c] = std::max<int>(high[c], rgb[3 * order[k] + c]);
      }
    box.spread = -1;
    for (int c = 0; c < 3; ++c)
      if (high[c] - low[c] > box.spread) box.spread = high[c] - low[c], box.channel = c;
  };
  std::vector<Box> boxes{{0, pixels}};
  measure(boxes[0]);
  while (boxes.size() < 256) {
    auto widest = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) { return a.spread < b.spread; });
    if (widest->spread <= 0) break;  // every box holds one colour
    Box& box = *widest;
    const int c = box.channel;
    const auto first = order.begin() + box.begin, last = order.begin() + box.end;
    const auto middle = first + (last - first) / 2;
    std::nth_element(first, middle, last, [&](uint32_t a, uint32_t b) { return rgb[3 * a + c] < rgb[3 * b + c]; });
    // Split where the value changes, so that no colour ends up in two boxes.
    const int pivot = rgb[3 * *middle + c];
    auto split = std::partition(first, last, [&](uint32_t p) { return rgb[3 * p + c] < pivot; });
    if (split == first) split = std::partition(first, last, [&](uint32_t p) { return rgb[3 * p + c] <= pivot; });
    const size_t at = static_cast<size_t>(split - order.begin());
    Box upper{at, box.end};
    box.end = at;
    measure(box);
    measure(upper);
    boxes.push_back(upper);
  }
  IndexedImage image;
  image.palette.assign(256 * 3, 0);
  image.indices.resize(pixels);
  for (size_t b = 0; b < boxes.size(); ++b) {
    std::array<uint64_t, 3> sum{0, 0, 0};
    for (size_t k = boxes[b].begin; k < boxes[b].end; ++k) {
      image.indices[order[k]] = static_cast<uint8_t>(b);
      for (int c = 0; c < 3; ++c) sum[c] += rgb[3 * order[k] + c];
    }
    const size_t count = std::max<size_t>(1, boxes[b].end - boxes[b].begin);
    for (int c = 0; c < 3; ++c) image.palette[3 * b + c] = static_cast<uint8_t>((sum[c] + count / 2) / count);
  }
  return image;
}

std::vector<uint8_t> lzw_compress(const std::vector<uint8_t>& indices) {
  constexpr uint32_t kClear = 256, kEnd = 257, kMaxCode = 4095;
  // table[prefix * 256 + byte] = code of prefix+byte, 0 when absent (no entry can have code 0).
  std::vector<uint16_t> table(4096 * 256, 0);
  BitWriter bits;
  int width = 9;
  uint32_t last_code = kEnd;  // highest code in use
  bits.write(kClear, width);
  if (indices.empty()) {
    bits.write(kEnd, width);
    return bits.finish();
  }
  uint32_t current = indices[0];
  for (size_t i = 1; i < indices.size(); ++i) {
    const uint8_t next = indices[i];
    const uint16_t known = table[current * 256 + next];
    if (known) {
      current = known;
      continue;
    }
    bits.write(current, width);
    table[current * 256 + next] = static_cast<uint16_t>(++last_code);
    // The decoder adds each entry one code later; it widens its codes when its next free code
    // reaches 2^width, which is when ours passes it.
    if (last_code >= (1u << width) && width < 12) ++width;
    if (last_code == kMaxCode) {
      bits.write(kClear, width);
      std::fill(table.begin(), table.end(), 0);
      width = 9;
      last_code = kEnd;
    }
    current = next;
  }
  bits.write(current, width);
  // The decoder adds one more entry after the last code and may widen before reading the end code.
  if (last_code + 1 >= (1u << width) && width < 12) ++width;
  bits.write(kEnd, width);
  return bits.finish();
}

GifEncoder::GifEncoder(std::ostream& out, int width, int height, int delay_centiseconds)
    : out_(out), width_(width), height_(height), delay_(delay_centiseconds) {
  out_.write("GIF89a", 6);
  put16(out_, width_);
  put16(out_, height_);
  out_.put(0);  // no global colour table
  out_.put(0);  // background colour
  out_.put(0);  // square pixels
  // NETSCAPE2.0 application extension: loop forever.
  out_.write("\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00", 19);
}

void GifEncoder::add_frame(const std::vector<uint8_t>& rgb) {
  const IndexedImage image = quantise(rgb);
  out_.write("\x21\xf9\x04", 3);  // graphic control extension
  out_.put(0x04);                 // disposal: leave the frame in place; no transparency
  put16(out_, delay_);
  out_.put(0);
  out_.put(0);
  out_.put(0x2c);  // image descriptor
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, width_);
  put16(out_, height_);
  out_.put(static_cast<char>(0x80 | 7));  // local colour table of 2^(7+1) entries
  out_.write(reinterpret_cast<const char*>(image.palette.data()), static_cast<std::streamsize>(image.palette.size()));
  out_.put(8);  // minimum code size
  const std::vector<uint8_t> data = lzw_compress(image.indices);
  for (size_t at = 0; at < data.size(); at += 255) {
    const size_t n = std::min<size_t>(255, data.size() - at);
    out_.put(static_cast<char>(n));
    out_.write(reinterpret_cast<const char*>(data.data() + at), static_cast<std::streamsize>(n));
  }
  out_.put(0);  // block terminator
}

void GifEncoder::finish() {
  out_.put(0x3b);
  out_.flush();
}

}  // namespace impasto
