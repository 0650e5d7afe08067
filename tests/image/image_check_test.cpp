#include "image/image_check.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "damaged_image_samples.h"
#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::read_bytes;

// Every JPEG, PNG and WebP among the shared test images and OpenCV's sample images (opencv-doc).
std::vector<fs::path> real_images() {
  std::vector<fs::path> found;
  const std::vector<fs::path> roots{testing::shared_dir() / "images", "/usr/share/doc/opencv-doc/examples"};
  for (const auto& root : roots) {
    std::error_code error;
    if (!fs::is_directory(root, error)) continue;
    for (auto it = fs::recursive_directory_iterator(root, error); it != fs::recursive_directory_iterator(); ++it) {
      const std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp"))
        found.push_back(it->path());
    }
  }
  return found;
}

TEST(ImageCheck, EveryRealImagePasses) {
  const auto images = real_images();
  if (images.size() < 10) GTEST_SKIP() << "fewer than 10 real images found (../shared/images, opencv-doc)";
  int checked = 0;
  for (const auto& path : images) {
    const std::string bytes = read_bytes(path);
    // Files OpenCV itself cannot decode are no test of false alarms.
    if (cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())),
                     cv::IMREAD_COLOR).empty())
      continue;
    const auto damage = image_damage(bytes);
    EXPECT_FALSE(damage) << path << ": " << *damage;
    ++checked;
  }
  std::printf("intact real images checked: %d\n", checked);
  EXPECT_GE(checked, 10);
}

TEST(ImageCheck, DamagedJpegsAreRecognised) {
  const std::string jpeg = read_bytes(testing::shared_image("tubingen.jpg"));
  ASSERT_FALSE(image_damage(jpeg));
  for (const auto& sample : testing::damaged_jpegs(jpeg)) {
    const auto damage = image_damage(sample.bytes);
    ASSERT_TRUE(damage) << sample.name;
    EXPECT_EQ(damage->rfind("JPEG: ", 0), 0u) << *damage;
  }
}

TEST(ImageCheck, DamagedPngsAndWebpsAreRecognised) {
  const std::string png = read_bytes(testing::shared_image("starry_night_crop.png"));
  ASSERT_FALSE(image_damage(png));
  for (const auto& sample : testing::damaged_pngs(png)) EXPECT_TRUE(image_damage(sample.bytes)) << sample.name;
  const std::string webp = testing::encoded(testing::shared_image("tubingen.jpg").string(), ".webp");
  ASSERT_GT(webp.size(), 1000u);
  ASSERT_FALSE(image_damage(webp));
  for (const auto& sample : testing::damaged_webps(webp)) EXPECT_TRUE(image_damage(sample.bytes)) << sample.name;
}

TEST(ImageCheck, LoadImageRefusesDamageNamingTheFileAndTheDamage) {
  testing::TempDir dir;
  const std::string jpeg = read_bytes(testing::shared_image("tubingen.jpg"));
  const auto path = dir / "cut.jpg";
  testing::write_bytes(path, jpeg.substr(0, jpeg.size() / 2));
  testing::expect_input_error([&] { load_image(path.string(), "content image"); },
                              {"content image", "cut.jpg", "damaged", "JPEG"});
}

TEST(ImageCheck, LoadImageRefusesAFifoWithoutWaiting) {
  testing::TempDir dir;
  const auto path = dir / "pipe.png";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  testing::expect_input_error([&] { load_image(path.string(), "style image"); }, {"pipe.png", "not a regular file"});
}

}  // namespace
}  // namespace impasto
