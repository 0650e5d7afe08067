#include <algorithm>

#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;
using testing::TempDir;

TEST(OpenWeights, NonexistentPath) {
  TempDir dir;
  const auto p = dir / "missing.pth";
  expect_input_error([&] { open_weights(p); }, {"cannot open weights file " + p.string() + ": no such file"});
}

TEST(OpenWeights, EmptyFile) {
  TempDir dir;
  testing::write_bytes(dir / "w.mat", "");
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"cannot open weights file", "w.mat", "is empty"});
}

TEST(OpenWeights, UnknownFormatListsSupportedOnes) {
  TempDir dir;
  testing::write_bytes(dir / "w.bin", "just some bytes");
  expect_input_error([&] { open_weights(dir / "w.bin"); },
                     {"w.bin", "unknown format", "MAT-file", "PyTorch", "TensorFlow.js", "Caffe"});
}

TEST(OpenWeights, DirectoryWithoutModelJson) {
  TempDir dir;
  expect_input_error([&] { open_weights(dir.path()); }, {"model.json", "TensorFlow.js"});
}

TEST(OpenWeights, ContentWinsOverExtension) {
  // A MAT header in a .pth file goes to the MAT reader, whose error then names the MAT format.
  TempDir dir;
  std::string bytes = "MATLAB 5.0 MAT-file";
  bytes.resize(128, ' ');
  testing::write_bytes(dir / "w.pth", bytes);
  try {
    open_weights(dir / "w.pth");
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("PyTorch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MAT-file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace impasto
