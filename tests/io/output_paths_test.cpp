#include "io/output_paths.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "weights/weights_test_util.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::expect_input_error;

class OutputPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_bytes(dir / "photo.jpg", "photo");
    testing::write_bytes(dir / "style.jpg", "style");
    options.content = (dir / "photo.jpg").string();
    options.styles = {(dir / "style.jpg").string()};
    options.output = (dir / "out.png").string();
  }
  testing::TempDir dir;
  Options options;
};

TEST_F(OutputPaths, DistinctWritablePathsPass) {
  options.report = (dir / "r.json").string();
  EXPECT_NO_THROW(check_output_paths(options));
}

TEST_F(OutputPaths, AnOutputThatIsAnInputIsRefusedHoweverItIsSpelled) {
  fs::create_symlink(dir / "photo.jpg", dir / "link.png");
  fs::create_hard_link(dir / "style.jpg", dir / "hard.png");
  for (const auto& [output, words] : std::vector<std::pair<fs::path, std::string>>{
           {dir / "photo.jpg", "the content image"},
           {dir / "." / "photo.jpg", "the content image"},
           {dir / "link.png", "the content image"},
           {dir / "hard.png", "a style image"}}) {
    options.output = output.string();
    expect_input_error([&] { check_output_paths(options); }, {output.string(), words, "destroy the input"});
  }
  options.output = (dir / "out.png").string();
  options.content_mask = (dir / "mask.png").string();
  testing::write_bytes(dir / "mask.png", "mask");
  options.report = options.content_mask;
  expect_input_error([&] { check_output_paths(options); }, {"--report", "the content mask"});
}

TEST_F(OutputPaths, TheReportIsCheckedLikeTheImage) {
  options.report = (dir / "missing" / "r.json").string();
  expect_input_error([&] { check_output_paths(options); }, {"--report", "does not exist"});
  options.report = dir.path().string();
  expect_input_error([&] { check_output_paths(options); }, {"--report", "is a directory"});
  options.report = options.output;
  expect_input_error([&] { check_output_paths(options); }, {"same file"});
}

}  // namespace
}  // namespace impasto
