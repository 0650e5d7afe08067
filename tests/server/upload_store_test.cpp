#include "server/upload_store.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"
#include "server/server_fixtures.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;
using server::UploadStore;

std::string rejection(UploadStore& store, const std::string& bytes) {
  try {
    store.add(bytes, "x.png");
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}

size_t files_in(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(ServeUploads, AcceptedImagesAreStoredUnderServerChosenNames) {
  TempDir dir;
  UploadStore store(dir / "uploads", {});
  const auto image = store.add(encoded_image(64, 48, "jpg"), "../../etc/passwd");
  EXPECT_EQ(image.width, 64);
  EXPECT_EQ(image.height, 48);
  EXPECT_EQ(image.name, "passwd");
  EXPECT_EQ(image.file, dir / "uploads" / (image.id + ".jpg"));
  EXPECT_TRUE(fs::exists(image.file));
  EXPECT_EQ(image.id.find_first_not_of("0123456789abcdef"), std::string::npos) << image.id;
  ASSERT_TRUE(store.find(image.id));
  EXPECT_FALSE(store.find("../../etc/passwd"));
  EXPECT_FALSE(fs::exists(dir / "etc"));
}

TEST(ServeUploads, RefusesOversizedFilesAndTooManyPixelsBeforeDecoding) {
  TempDir dir;
  UploadStore store(dir.path(), {/*max_bytes=*/20000, /*max_pixels=*/1'000'000});
  EXPECT_NE(rejection(store, encoded_image(300, 300)).find("the limit is"), std::string::npos);  // ~270 KB
  const std::string huge = rejection(store, png_header(100000, 100000));
  EXPECT_NE(huge.find("100000 x 100000"), std::string::npos) << huge;
  EXPECT_NE(huge.find("limit is 1.0 megapixels"), std::string::npos) << huge;
  EXPECT_EQ(files_in(dir.path()), 0u);
}

TEST(ServeUploads, RefusesDamagedAndUnsupportedFilesWithReadableMessages) {
  TempDir dir;
  UploadStore store(dir.path(), {});
  EXPECT_EQ(rejection(store, ""), "the file is empty");
  EXPECT_NE(rejection(store, "hello, I am text").find("unsupported file type"), std::string::npos);
  EXPECT_NE(rejection(store, std::string("\xFF\xD8\xFF\xE0 not a jpeg", 15)).find("damaged"), std::string::npos);
  std::string truncated = encoded_image(64, 64);
  truncated.resize(truncated.size() / 3);
  EXPECT_NE(rejection(store, truncated).find("cannot be decoded"), std::string::npos);
  EXPECT_EQ(files_in(dir.path()), 0u);
}

TEST(ServeUploads, DisplayNamesAreFileNamesOnly) {
  EXPECT_EQ(server::display_name("C:\\Users\\me\\photo.jpg"), "photo.jpg");
  EXPECT_EQ(server::display_name("../.."), "image");
  EXPECT_EQ(server::display_name(""), "image");
  EXPECT_EQ(server::display_name(std::string("a\nb\0c", 5)), "abc");
  EXPECT_EQ(server::display_name(std::string(200, 'x')).size(), 80u);
}

// The README says uploads are private: only their owner may list or read them.
TEST(ServeUploads, TheFolderAndItsFilesArePrivate) {
  TempDir dir;
  UploadStore store(dir / "uploads", {});
  const auto image = store.add(encoded_image(40, 30), "photo.png");
  EXPECT_EQ(fs::status(dir / "uploads").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(image.file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace
}  // namespace impasto::testing
