// The binary refuses what would harm the user's files or run into nonsense: exit 2, one line, no
// output written (and an input never overwritten).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>

#include "image/damaged_image_samples.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

class RobustCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(squeezenet_file()) || !fs::exists(shared_image("tubingen.jpg")))
      GTEST_SKIP() << "shared models/images not present";
    fs::copy_file(shared_image("tubingen.jpg"), dir / "photo.jpg");
  }
  // A small run; `model` replaces the SqueezeNet weights file, `size` the output size.
  std::string run(const std::string& extra, const fs::path& output, const std::string& size = "48",
                  const fs::path& model = squeezenet_file()) const {
    return "stylize --content " + q(dir / "photo.jpg") + " --style " + q(shared_image("starry_night.jpg")) +
           " --model-file " + q(model) + " --size " + size + " --iterations 2 --output " + q(output) + " " + extra;
  }
  // Exit 2 with one line holding `message`.
  void expect_refused(const CommandResult& result, const std::string& message) const {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    std::string output = result.output;
    while (!output.empty() && output.back() == '\n') output.pop_back();
    EXPECT_EQ(output.find('\n'), std::string::npos) << "more than one line:\n" << result.output;
    EXPECT_NE(output.find(message), std::string::npos) << output;
  }
  TempDir dir;
};

TEST_F(RobustCli, OutputOverAnInputIsRefusedAndTheInputKept) {
  const std::string photo = read_bytes(dir / "photo.jpg");
  expect_refused(run_impasto(run("", dir / "photo.jpg")), "the content image");
  fs::create_symlink(dir / "photo.jpg", dir / "link.jpg");
  expect_refused(run_impasto(run("", dir / "link.jpg")), "destroy the input");
  expect_refused(run_impasto(run("", dir / "." / "photo.jpg")), "the content image");
  expect_refused(run_impasto(run("--report " + q(shared_image("starry_night.jpg")), dir / "out.png")), "a style image");
  expect_refused(run_impasto(run("--report " + q(dir / "out.png"), dir / "out.png")), "same file");
  EXPECT_EQ(read_bytes(dir / "photo.jpg"), photo);
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(RobustCli, ABadReportPathFailsBeforeTheRun) {
  expect_refused(run_impasto(run("--report " + q(dir / "missing" / "r.json"), dir / "out.png")), "does not exist");
  expect_refused(run_impasto(run("--report " + q(dir.path()), dir / "out.png")), "is a directory");
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(RobustCli, NonFiniteNumbersAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"--style-weight inf", "--style-weight must be a finite number"},
      {"--content-weight nan", "--content-weight must be a finite number"},
      {"--tv-weight inf", "--tv-weight"},
      {"--learning-rate nan", "--learning-rate"},
      {"--style-blend nan", "--style-blend"},
      {"--style-layers conv1:nan,fire2:1", "weight 'nan' of layer conv1"},
      {"--content-layers fire5:inf", "weight 'inf' of layer fire5"},
      {"--style-scale 1e6", "--style-scale"},
      {"--style-scale inf", "--style-scale"},
  };
  for (const auto& [option, message] : cases) {
    SCOPED_TRACE(option);
    expect_refused(run_impasto(run(option, dir / "out.png")), message);
  }
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(RobustCli, ALossThatOverflowsStopsTheRunAndWritesNothing) {
  const auto result = run_impasto(run("--style-weight 1e300 --content-weight 1e300", dir / "out.png"));
  expect_refused(result, "at iteration 1");
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(RobustCli, BenchRefusesSizesAndIterationsThatMeanNothing) {
  expect_refused(run_impasto("bench --sizes 0"), "--sizes");
  expect_refused(run_impasto("bench --sizes 100000"), "--sizes");
  expect_refused(run_impasto("bench --iterations 0"), "--iterations");
  expect_refused(run_impasto("bench --networks squeezenet --sizes 32 --iterations 1 --json " + q(dir / "no" / "b.json")),
                 "does not exist");
}

TEST_F(RobustCli, DamagedImagesAreRefusedNamingFileAndDamage) {
  const std::string jpeg = read_bytes(dir / "photo.jpg");
  // Each sample in one role, the roles taking turns (the same decoder reads them all).
  const std::vector<std::string> roles{"content", "style", "mask"};
  int n = 0;
  for (const auto& sample : damaged_jpegs(jpeg)) {
    SCOPED_TRACE(sample.name);
    const std::string role = roles[static_cast<size_t>(n) % roles.size()];
    const fs::path path = dir / ("damaged" + std::to_string(n++) + ".jpg");
    write_bytes(path, sample.bytes);
    const fs::path content = role == "content" ? path : dir / "photo.jpg";
    const fs::path style = role == "style" ? path : shared_image("starry_night.jpg");
    const std::string mask = role == "mask" ? " --content-mask " + q(path) : "";
    expect_refused(run_impasto("stylize --content " + q(content) + " --style " + q(style) + mask + " --model-file " +
                               q(squeezenet_file()) + " --size 48 --iterations 1 --output " + q(dir / "out.png")),
                   path.filename().string());
  }
  const std::string png = read_bytes(shared_image("starry_night_crop.png"));
  for (const auto& sample : damaged_pngs(png)) {
    SCOPED_TRACE(sample.name);
    write_bytes(dir / "damaged.png", sample.bytes);
    expect_refused(run_impasto(run("--content-mask " + q(dir / "damaged.png"), dir / "out.png")), "damaged.png");
  }
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(RobustCli, FifosAreRefusedNotWaitedFor) {
  ASSERT_EQ(::mkfifo((dir / "model.mat").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir / "style.jpg").c_str(), 0600), 0);
  expect_refused(run_impasto(run("", dir / "out.png", "48", dir / "model.mat")), "not a regular file");
  expect_refused(run_impasto(run("--style " + q(dir / "style.jpg"), dir / "out.png")), "not a regular file");
}

TEST_F(RobustCli, WeightsOfAnotherNetworkAreRefused) {
  expect_refused(run_impasto(run("--model vgg19", dir / "out.png")), "squeezenet");
}

// A full disk at the end of a run: the error says so, the earlier image stays whole and no
// temporary file is left (a 64 KiB tmpfs; skipped where mounting is not allowed).
TEST_F(RobustCli, AFullDiskKeepsTheEarlierOutput) {
  const fs::path small = dir / "small";
  fs::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here; AtomicFile tests cover full disks with a write wrapper";
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount(at.c_str()); }
  } unmount{small};
  write_bytes(small / "out.png", "an earlier result");
  const auto result = run_impasto(run("--init noise", small / "out.png", "256"));
  // The run's progress line comes first; the error is the last line.
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("error: cannot write"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("No space left on device"), std::string::npos) << result.output;
  EXPECT_EQ(read_bytes(small / "out.png"), "an earlier result");
  EXPECT_EQ(std::distance(fs::directory_iterator(small), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace impasto::testing
