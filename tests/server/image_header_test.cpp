#include "server/image_header.h"

#include <gtest/gtest.h>

#include "server/server_fixtures.h"

namespace impasto::testing {
namespace {

using server::read_image_header;

TEST(ServeImageHeader, ReadsTheDeclaredSizeOfEachFormatWithoutDecoding) {
  for (const std::string extension : {"png", "jpg", "webp", "bmp"}) {
    const auto header = read_image_header(encoded_image(37, 21, extension));
    ASSERT_TRUE(header) << extension;
    EXPECT_EQ(header->width, 37) << extension;
    EXPECT_EQ(header->height, 21) << extension;
    EXPECT_EQ(header->extension, (extension == "jpg" ? ".jpg" : "." + extension));
  }
}

TEST(ServeImageHeader, HugeDeclaredDimensionsAreReportedAsDeclared) {
  const auto header = read_image_header(png_header(100000, 100000));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->format, "PNG");
  EXPECT_EQ(header->width, 100000);
  EXPECT_EQ(header->height, 100000);
}

TEST(ServeImageHeader, UnknownOrTruncatedFilesHaveNoHeader) {
  EXPECT_FALSE(read_image_header("root:x:0:0:root:/root:/bin/bash\n"));
  EXPECT_FALSE(read_image_header(""));
  EXPECT_FALSE(read_image_header(png_header(10, 10).substr(0, 20)));
  EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10)));  // no frame header
  EXPECT_FALSE(server::sniff_format("GIF89a"));
}

}  // namespace
}  // namespace impasto::testing
