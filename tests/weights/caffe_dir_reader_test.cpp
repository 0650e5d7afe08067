#include "weights/caffe_dir_reader.h"

#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::expect_input_error;
using testing::floats;
using testing::TempDir;

void write_blob(const fs::path& dir, const std::string& file, int64_t n, float start) {
  fs::create_directories((dir / "weights" / file).parent_path());
  testing::write_bytes(dir / "weights" / file, floats(n, start));
}

// data(3) -> conv1 [4,3,3,3] -> relu -> pool -> {b/tall [2,4,3,2] (no bias), b/wide [3,4,1,1]} -> concat(5)
// -> b/c3 [6,5,1,1] -> fc; `skipped` has no files.
const char* kPrototxt = R"(
name: "Small"
input: "data" input_dim: 1 input_dim: 3 input_dim: 16 input_dim: 16
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "b/tall" type: "Convolution" bottom: "pool1" top: "b/tall"
        convolution_param { num_output: 2 kernel_h: 3 kernel_w: 2 bias_term: false } }
layer { name: "b/wide" type: "Convolution" bottom: "pool1" top: "b/wide" convolution_param { num_output: 3 kernel_size: 1 } }
layer { name: "skipped" type: "Convolution" bottom: "pool1" top: "skipped" convolution_param { num_output: 3 kernel_size: 1 } }
layer { name: "b/out" type: "Concat" bottom: "b/tall" bottom: "b/wide" top: "b/out" }
layer { name: "b/c3" type: "Convolution" bottom: "b/out" top: "b/c3" convolution_param { num_output: 6 kernel_size: 1 } }
layer { name: "fc" type: "InnerProduct" bottom: "b/c3" top: "fc" inner_product_param { num_output: 2 } }
)";

void write_small_model(const fs::path& dir) {
  testing::write_bytes(dir / "deploy.prototxt", kPrototxt);
  write_blob(dir, "conv1_filter.bin", 4 * 3 * 3 * 3, 0.0f);
  write_blob(dir, "conv1_bias.bin", 4, 100.0f);
  write_blob(dir, "b/tall_filter.bin", 2 * 3 * 2 * 4, -10.0f);
  write_blob(dir, "b/wide_filter.bin", 3 * 4, 200.0f);
  write_blob(dir, "b/wide_bias.bin", 3, 300.0f);
  write_blob(dir, "b/c3_filter.bin", 6 * 5, 400.0f);
  write_blob(dir, "b/c3_bias.bin", 6, 500.0f);
  write_blob(dir, "fc_filter.bin", 2 * 6, 0.0f);
  write_blob(dir, "fc_bias.bin", 2, 0.0f);
}

// Stored [out][kh][kw][in] must read back as [out][in][kh][kw].
void expect_ohwi_values(const torch::Tensor& w, float start) {
  ASSERT_EQ(w.dim(), 4);
  ASSERT_TRUE(w.is_contiguous());
  const int64_t out = w.size(0), in = w.size(1), kh = w.size(2), kw = w.size(3);
  auto a = w.accessor<float, 4>();
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          ASSERT_FLOAT_EQ(a[o][i][y][x], start + static_cast<float>(((o * kh + y) * kw + x) * in + i))
              << o << "," << i << "," << y << "," << x;
}

TEST(CaffeDirReader, ReadsPerLayerFilesInPyTorchLayout) {
  TempDir dir;
  write_small_model(dir.path());
  auto src = open_weights(dir.path());
  EXPECT_EQ(src->format(), "Caffe (per-layer files)");
  EXPECT_EQ(src->layers(), (std::vector<std::string>{"conv1", "b/tall", "b/wide", "b/c3"}));

  const ConvParams conv1 = src->conv("conv1");
  ASSERT_EQ(conv1.weight.sizes(), (torch::IntArrayRef{4, 3, 3, 3}));
  expect_ohwi_values(conv1.weight, 0.0f);
  EXPECT_FLOAT_EQ(conv1.weight[1][2][0][1].item<float>(), 27.0f + 3 + 2);  // OHWI (1,0,1,2)
  EXPECT_TRUE(torch::equal(conv1.bias, torch::arange(100, 104, torch::kFloat32)));

  const ConvParams tall = src->conv("b/tall");
  ASSERT_EQ(tall.weight.sizes(), (torch::IntArrayRef{2, 4, 3, 2}));
  expect_ohwi_values(tall.weight, -10.0f);
  EXPECT_TRUE(torch::equal(tall.bias, torch::zeros({2})));

  const ConvParams c3 = src->conv("b/c3");
  ASSERT_EQ(c3.weight.sizes(), (torch::IntArrayRef{6, 5, 1, 1}));  // 2 + 3 concatenated channels
  expect_ohwi_values(c3.weight, 400.0f);
  EXPECT_FLOAT_EQ(c3.bias[5].item<float>(), 505.0f);

  // The prototxt itself opens the same model.
  auto by_file = open_weights(dir / "deploy.prototxt");
  EXPECT_TRUE(torch::equal(by_file->conv("b/wide").weight, src->conv("b/wide").weight));

  expect_input_error([&] { src->conv("fc"); }, {"no convolution layer 'fc'", "deploy.prototxt"});
  expect_input_error([&] { src->conv("nope"); }, {"'nope'"});
  expect_input_error([&] { src->conv("skipped"); }, {"skipped_filter.bin", "missing"});
}

TEST(CaffeDirReader, WrongFileSizeNamesTheFileAndBothSizes) {
  TempDir dir;
  write_small_model(dir.path());
  write_blob(dir.path(), "b/wide_filter.bin", 3 * 4 + 1, 0.0f);
  write_blob(dir.path(), "conv1_bias.bin", 3, 0.0f);
  auto src = open_weights(dir.path());
  expect_input_error([&] { src->conv("b/wide"); },
                     {(dir / "weights" / "b/wide_filter.bin").string(), "has 52 bytes", "expected 48", "[3,1,1,4]"});
  expect_input_error([&] { src->conv("conv1"); }, {"conv1_bias.bin", "has 12 bytes", "expected 16"});
}

TEST(CaffeDirReader, MissingBiasFileIsNamed) {
  TempDir dir;
  write_small_model(dir.path());
  fs::remove(dir / "weights" / "b" / "c3_bias.bin");
  expect_input_error([&] { open_weights(dir.path())->conv("b/c3"); }, {"c3_bias.bin", "missing"});
}

TEST(CaffeDirReader, MissingPrototxt) {
  TempDir dir;
  write_blob(dir.path(), "conv1_filter.bin", 4, 0.0f);
  expect_input_error([&] { open_caffe_dir_weights(dir.path()); }, {dir.path().string(), "no deploy.prototxt"});
  expect_input_error([&] { open_weights(dir.path()); }, {"directory without", "deploy.prototxt", "Caffe"});
}

TEST(CaffeDirReader, UnknownInputChannelsAreReported) {
  TempDir dir;
  testing::write_bytes(dir / "deploy.prototxt",
                       "layer { name: 'c' type: 'Convolution' bottom: 'data' top: 'c' "
                       "convolution_param { num_output: 2 kernel_size: 1 } }");
  write_blob(dir.path(), "c_filter.bin", 6, 0.0f);
  auto src = open_weights(dir.path());
  EXPECT_EQ(src->layers(), std::vector<std::string>{"c"});
  expect_input_error([&] { src->conv("c"); }, {"input channels of 'c'", "deploy.prototxt"});
}

TEST(CaffeDirReader, RealGoogLeNet) {
  const auto dir = testing::shared_models_dir() / "googlenet";
  if (!fs::exists(dir / "deploy.prototxt")) GTEST_SKIP() << dir << " not present";
  auto src = open_weights(dir);
  const auto layers = src->layers();
  EXPECT_EQ(layers.size(), 57u);
  EXPECT_EQ(layers.front(), "conv1/7x7_s2");
  EXPECT_EQ(layers.back(), "inception_5b/pool_proj");
  const std::vector<std::pair<std::string, std::vector<int64_t>>> expected{
      {"conv1/7x7_s2", {64, 3, 7, 7}},          {"conv2/3x3_reduce", {64, 64, 1, 1}},
      {"conv2/3x3", {192, 64, 3, 3}},           {"inception_3a/1x1", {64, 192, 1, 1}},
      {"inception_3a/5x5", {32, 16, 5, 5}},     {"inception_3b/3x3_reduce", {128, 256, 1, 1}},
      {"inception_4a/1x1", {192, 480, 1, 1}},   {"inception_4e/pool_proj", {128, 528, 1, 1}},
      {"inception_5b/pool_proj", {128, 832, 1, 1}}};
  for (const auto& [name, shape] : expected) {
    const ConvParams p = src->conv(name);
    EXPECT_EQ(p.weight.sizes(), torch::IntArrayRef(shape)) << name;
    EXPECT_EQ(p.bias.sizes(), torch::IntArrayRef({shape[0]})) << name;
    EXPECT_TRUE(torch::isfinite(p.weight).all().item<bool>()) << name;
  }
  // Trained first-layer filters vary smoothly across colour channels; in a transposed reading
  // neighbouring input channels would be unrelated values.
  const torch::Tensor w = src->conv("conv1/7x7_s2").weight;
  const float across_colour = (w.slice(1, 1) - w.slice(1, 0, 2)).abs().mean().item<float>();
  EXPECT_LT(across_colour, 0.9f * w.abs().mean().item<float>());
}

}  // namespace
}  // namespace impasto
