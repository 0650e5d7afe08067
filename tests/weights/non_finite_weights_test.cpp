// A NaN or Inf anywhere in a layer's weights is damage in every format: refused when the layer is
// read, naming the file and the layer.
#include <limits>

#include "caffemodel_writer.h"
#include "keras_h5_writer.h"
#include "matconvnet_writer.h"
#include "safetensors_writer.h"
#include "tfjs_writer.h"
#include "torch_zip_writer.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::expect_input_error;
using testing::TempDir;

// [out,in,kh,kw] = [4,3,3,3] with one NaN (or Inf) in it, and a finite bias.
torch::Tensor poisoned(float bad) {
  torch::Tensor w = torch::arange(108, torch::kFloat32).view({4, 3, 3, 3}) / 100;
  w[2][1][0][2] = bad;
  return w;
}
const torch::Tensor kBias = torch::ones({4});
const float kNan = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

void expect_refused(const fs::path& path, const std::string& layer) {
  auto weights = open_weights(path);
  expect_input_error([&] { weights->conv(layer); }, {path.string(), "'" + layer + "'", "NaN or infinite"});
}

std::string bytes_of(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.nbytes()));
}

TEST(NonFiniteWeights, MatFile) {
  TempDir dir;
  testing::write_matconvnet(dir / "w.mat", {{"conv1", "conv", poisoned(kNan).permute({2, 3, 1, 0}).contiguous(), kBias}});
  expect_refused(dir / "w.mat", "conv1");
}

TEST(NonFiniteWeights, TensorflowJs) {
  TempDir dir;
  testing::write_model(dir.path(), {{{"conv1/kernel", {3, 3, 3, 4}, 0.0f}, {"conv1/bias", {4}, 0.0f}}}, 1);
  std::string shard = testing::read_bytes(dir / "group1-shard1of1");
  std::memcpy(&shard[40], &kInf, 4);
  testing::write_bytes(dir / "group1-shard1of1", shard);
  expect_refused(dir.path(), "conv1");
}

TEST(NonFiniteWeights, CaffeRawLayerFiles) {
  TempDir dir;
  testing::write_bytes(dir / "deploy.prototxt", R"(input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } })");
  fs::create_directories(dir / "weights");
  testing::write_bytes(dir / "weights/conv1_filter.bin", bytes_of(poisoned(kNan).permute({0, 2, 3, 1})));
  testing::write_bytes(dir / "weights/conv1_bias.bin", bytes_of(kBias));
  expect_refused(dir.path(), "conv1");
}

TEST(NonFiniteWeights, Caffemodel) {
  TempDir dir;
  testing::write_caffemodel(dir / "w.caffemodel", {{"conv1", ConvParams{torch::ones({4, 3, 3, 3}), kBias * kInf}}});
  expect_refused(dir / "w.caffemodel", "conv1");
}

TEST(NonFiniteWeights, Safetensors) {
  TempDir dir;
  testing::write_bytes(dir / "w.safetensors", testing::safetensors_bytes({{"conv1.weight", poisoned(-kInf)}, {"conv1.bias", kBias}}));
  expect_refused(dir / "w.safetensors", "conv1");
}

TEST(NonFiniteWeights, PytorchZip) {
  TempDir dir;
  const torch::Tensor w = poisoned(kNan);
  const std::string pickle = testing::pth::state_dict_pickle(
      {{"conv1.weight", "FloatStorage", "0", 108, 0, {4, 3, 3, 3}, {27, 9, 3, 1}}, {"conv1.bias", "FloatStorage", "1", 4, 0, {4}, {1}}});
  testing::pth::write_pth(dir / "w.pth", pickle, {{"0", bytes_of(w)}, {"1", bytes_of(kBias)}});
  expect_refused(dir / "w.pth", "conv1");
}

TEST(NonFiniteWeights, KerasH5) {
  TempDir dir;
  testing::write_keras_h5(dir / "w.h5", {testing::keras_conv("conv1", poisoned(kNan).permute({2, 3, 1, 0}).contiguous(), kBias)});
  expect_refused(dir / "w.h5", "conv1");
}

TEST(NonFiniteWeights, FiniteWeightsStillRead) {
  TempDir dir;
  testing::write_bytes(dir / "w.safetensors", testing::safetensors_bytes({{"conv1.weight", poisoned(0.5f)}, {"conv1.bias", kBias}}));
  EXPECT_FLOAT_EQ(open_weights(dir / "w.safetensors")->conv("conv1").weight[2][1][0][2].item<float>(), 0.5f);
}

}  // namespace
}  // namespace impasto
