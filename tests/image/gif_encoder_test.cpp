#include "image/gif_encoder.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace impasto {
namespace {

// A reference LZW decoder written from the GIF89a specification, independent of the encoder.
std::vector<uint8_t> lzw_decode(const std::vector<uint8_t>& data) {
  std::vector<std::vector<uint8_t>> table;
  auto reset = [&] {
    table.clear();
    for (int i = 0; i < 258; ++i) table.push_back(i < 256 ? std::vector<uint8_t>{static_cast<uint8_t>(i)} : std::vector<uint8_t>{});
  };
  reset();
  std::vector<uint8_t> out;
  size_t bit = 0;
  int width = 9;
  int previous = -1;
  while (bit + width <= data.size() * 8) {
    int code = 0;
    for (int k = 0; k < width; ++k, ++bit) code |= ((data[bit / 8] >> (bit % 8)) & 1) << k;
    if (code == 256) {
      reset();
      width = 9;
      previous = -1;
      continue;
    }
    if (code == 257) return out;
    std::vector<uint8_t> entry;
    if (code < static_cast<int>(table.size())) {
      entry = table[code];
    } else {
      EXPECT_EQ(code, static_cast<int>(table.size())) << "code beyond the table";
      entry = table.at(previous);
      entry.push_back(table[previous][0]);
    }
    if (previous >= 0 && table.size() < 4096) {
      std::vector<uint8_t> added = table[previous];
      added.push_back(entry[0]);
      table.push_back(added);
      if (table.size() == (1u << width) && width < 12) ++width;
    }
    out.insert(out.end(), entry.begin(), entry.end());
    previous = code;
  }
  ADD_FAILURE() << "no end code";
  return out;
}

TEST(Lzw, RoundTripsThroughAnIndependentDecoder) {
  std::mt19937 random(11);
  for (size_t length : {0, 1, 2, 255, 256, 257, 511, 4000, 20000, 70000}) {
    for (int alphabet : {1, 2, 16, 256}) {
      std::vector<uint8_t> indices(length);
      for (auto& v : indices) v = static_cast<uint8_t>(random() % alphabet);
      EXPECT_EQ(lzw_decode(lzw_compress(indices)), indices) << length << " symbols from " << alphabet;
    }
  }
}

TEST(Quantise, KeepsImagesOfFewColoursExactly) {
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 600; ++i) rgb.insert(rgb.end(), {uint8_t(i % 7 * 30), uint8_t(i % 5 * 50), uint8_t(i % 3 * 100)});
  const IndexedImage image = quantise(rgb);
  for (size_t p = 0; p < 600; ++p)
    for (int c = 0; c < 3; ++c) ASSERT_EQ(image.palette[3 * image.indices[p] + c], rgb[3 * p + c]) << p;
}

TEST(Quantise, ApproximatesManyColoursClosely) {
  std::mt19937 random(12);
  std::vector<uint8_t> rgb(3 * 64 * 64);
  for (auto& v : rgb) v = static_cast<uint8_t>(random());
  const IndexedImage image = quantise(rgb);
  double error = 0;
  for (size_t p = 0; p < rgb.size() / 3; ++p)
    for (int c = 0; c < 3; ++c) error += std::abs(int(image.palette[3 * image.indices[p] + c]) - rgb[3 * p + c]);
  EXPECT_LT(error / rgb.size(), 20.0) << "256 boxes over uniform noise: at most ~16 levels per channel";
}

TEST(GifEncoder, WritesOneImageDescriptorPerFrame) {
  std::ostringstream out;
  GifEncoder encoder(out, 4, 3, 10);
  std::vector<uint8_t> frame(4 * 3 * 3, 200);
  encoder.add_frame(frame);
  encoder.add_frame(frame);
  encoder.finish();
  const std::string bytes = out.str();
  EXPECT_EQ(bytes.substr(0, 6), "GIF89a");
  EXPECT_EQ(static_cast<uint8_t>(bytes[6]), 4);
  EXPECT_EQ(static_cast<uint8_t>(bytes[8]), 3);
  EXPECT_EQ(static_cast<uint8_t>(bytes.back()), 0x3b);
}

}  // namespace
}  // namespace impasto
