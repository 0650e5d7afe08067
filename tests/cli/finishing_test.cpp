// The finishing options (--post, --smooth) through the command line, on the real SqueezeNet weights
// at a small size.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class Finishing : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
  }
  std::string base(const std::string& output) const {
    return "stylize --content " + q(shared_image("tubingen.jpg")) + " --style " + q(shared_image("starry_night.jpg")) +
           " --model-file " + q(squeezenet_file()) + " --size 64 --iterations 10 --output " + q(dir / output) + " ";
  }
  TempDir dir;
};

TEST_F(Finishing, BadSpecsAreRefusedWithExitCode2AndNoOutput) {
  const std::pair<const char*, const char*> cases[] = {
      {"--post blur", "unknown filter 'blur'"},
      {"--post strength:2", "strength must be in 0..1"},
      {"--post sharpen:x", "'x' is not a number"},
      {"--smooth box", "--smooth must be guided"},
      {"--smooth guided:0", "the radius R must be a whole number"},
  };
  for (const auto& [arguments, message] : cases) {
    const CommandResult result = run_impasto(base("bad.png") + arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << ": " << result.output;
    EXPECT_NE(result.output.find(message), std::string::npos) << result.output;
    EXPECT_FALSE(fs::exists(dir / "bad.png"));
  }
  EXPECT_TRUE(fs::is_empty(dir.path())) << "no temporary file left";
  const CommandResult texture = run_impasto("texture --style " + q(shared_image("starry_night.jpg")) +
                                            " --post match-colors --output " + q(dir / "t.png"));
  EXPECT_EQ(texture.exit_code, 2) << texture.output;
  EXPECT_NE(texture.output.find("need a content image"), std::string::npos) << texture.output;
}

// strength:0 gives back the photo whatever the run painted; strength:1 and no --post are the same image.
TEST_F(Finishing, StrengthBlendsTheWrittenImageWithThePhoto) {
  for (const auto& [name, post] : {std::pair<std::string, std::string>{"plain.png", ""}, {"zero.png", "--post strength:0"},
                                   {"one.png", "--post strength:1"}}) {
    const CommandResult result = run_impasto(base(name) + post);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  const cv::Mat plain = cv::imread((dir / "plain.png").string()), zero = cv::imread((dir / "zero.png").string()),
                one = cv::imread((dir / "one.png").string());
  cv::Mat photo;
  cv::resize(cv::imread(shared_image("tubingen.jpg").string()), photo, plain.size(), 0, 0, cv::INTER_AREA);
  EXPECT_EQ(cv::norm(plain, one, cv::NORM_INF), 0.0);
  EXPECT_LE(cv::norm(zero, photo, cv::NORM_INF), 2.0);
  EXPECT_GT(cv::norm(plain, photo, cv::NORM_L1) / plain.total(), 5.0) << "the run changed the photo";
}

}  // namespace
}  // namespace impasto::testing
