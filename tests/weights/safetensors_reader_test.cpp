#include "weights/safetensors_reader.h"

#include "safetensors_writer.h"
#include "tensor_support.h"
#include "vgg19_reference.h"
#include "weights/input_convention.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;
using testing::ramp;
using testing::TempDir;
using testing::write_safetensors;

// out=5, in=4, kh=2, kw=3: all different, so a transposition bug changes shape or values. Small
// integers survive float16 and bfloat16 exactly.
std::map<std::string, torch::Tensor> vgg_like() {
  return {{"features.0.weight", ramp({5, 4, 2, 3}, 0)},
          {"features.0.bias", ramp({5}, 100, torch::kFloat16)},
          {"features.2.weight", ramp({3, 5, 1, 1}, -7, torch::kBFloat16)},
          {"features.5.weight", ramp({2, 3, 3, 3}, 0.5f, torch::kFloat64)},
          {"features.5.bias", ramp({2}, -1, torch::kFloat64)},
          {"classifier.0.weight", ramp({6, 10}, 0)},
          {"bn.num_batches_tracked", torch::tensor(int64_t{7})}};
}

TEST(SafetensorsReader, ReadsStateDictInPyTorchLayout) {
  TempDir dir;
  write_safetensors(dir / "vgg.safetensors", vgg_like());
  auto src = open_weights(dir / "vgg.safetensors");
  EXPECT_EQ(src->format(), "safetensors");
  EXPECT_EQ(src->layers(), (std::vector<std::string>{"features.0", "features.2", "features.5"}));

  ConvParams c0 = src->conv("features.0");
  ASSERT_EQ(c0.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
  EXPECT_EQ(c0.weight.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(c0.weight.is_contiguous());
  auto w = c0.weight.accessor<float, 4>();
  for (int o = 0; o < 5; ++o)
    for (int i = 0; i < 4; ++i)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) ASSERT_FLOAT_EQ(w[o][i][y][x], ((o * 4 + i) * 2 + y) * 3 + x) << o << i << y << x;
  EXPECT_EQ(c0.bias.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(c0.bias[4].item<float>(), 104.0f);  // from float16

  ConvParams c2 = src->conv("features.2");  // bfloat16, no bias
  ASSERT_EQ(c2.weight.sizes(), (torch::IntArrayRef{3, 5, 1, 1}));
  EXPECT_EQ(c2.weight.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(c2.weight[2][4][0][0].item<float>(), -7.0f + 14);
  EXPECT_TRUE(torch::equal(c2.bias, torch::zeros({3})));

  ConvParams c5 = src->conv("features.5");  // float64
  EXPECT_EQ(c5.weight.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(c5.weight[1][2][0][1].item<float>(), 0.5f + 27 + 18 + 1);
  EXPECT_TRUE(torch::equal(c5.bias, torch::tensor({-1.0f, 0.0f})));

  // A copy each time: changing one does not change the file's next answer.
  c0.weight.zero_();
  EXPECT_FLOAT_EQ(src->conv("features.0").weight[4][3][1][2].item<float>(), 119.0f);

  expect_input_error([&] { src->conv("classifier.0"); }, {"classifier.0.weight", "rank 2, expected 4"});
  expect_input_error([&] { src->conv("features.4"); }, {"no layer 'features.4'", "vgg.safetensors"});
}

TEST(SafetensorsReader, ConversionKeepingATorchvisionNameDeclaresTorchvision) {
  TempDir dir;
  write_safetensors(dir / "vgg16-397923af.safetensors", vgg_like());
  EXPECT_EQ(open_weights(dir / "vgg16-397923af.safetensors")->input_convention(), torchvision_input());
  write_safetensors(dir / "vgg16.safetensors", vgg_like());
  EXPECT_FALSE(open_weights(dir / "vgg16.safetensors")->input_convention().has_value());
}

TEST(SafetensorsReader, RejectsBiasLengthMismatch) {
  TempDir dir;
  write_safetensors(dir / "w.safetensors", {{"c.weight", ramp({5, 2, 3, 3}, 0)}, {"c.bias", ramp({4}, 0)}});
  expect_input_error([&] { open_weights(dir / "w.safetensors")->conv("c"); },
                     {"w.safetensors", "'c.bias'", "4 elements", "5 output channels"});
}

TEST(SafetensorsReader, WrongKernelRankIsNotAConvolution) {
  TempDir dir;
  write_safetensors(dir / "w.safetensors", {{"c.weight", ramp({5, 2, 3}, 0)}, {"c.bias", ramp({5}, 0)}});
  auto src = open_weights(dir / "w.safetensors");
  EXPECT_TRUE(src->layers().empty());
  expect_input_error([&] { src->conv("c"); }, {"'c.weight'", "rank 3, expected 4"});
}

TEST(SafetensorsReader, RejectsIntegerWeightWhenUsed) {
  TempDir dir;
  write_safetensors(dir / "w.safetensors", {{"c.weight", ramp({5, 2, 3, 3}, 0, torch::kInt32)}});
  auto src = open_weights(dir / "w.safetensors");
  expect_input_error([&] { src->conv("c"); }, {"'c.weight'", "Int", "only floating-point"});
}

TEST(SafetensorsReader, RejectsTruncatedFile) {
  TempDir dir;
  const std::string bytes = testing::safetensors_bytes(vgg_like());
  testing::write_bytes(dir / "w.safetensors", bytes.substr(0, bytes.size() - 10));
  expect_input_error([&] { open_weights(dir / "w.safetensors"); },
                     {"w.safetensors", "is truncated", "tensor 'features.5.weight'"});
  testing::write_bytes(dir / "w.safetensors", bytes.substr(0, 40));
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"w.safetensors", "is truncated", "header"});
  testing::write_bytes(dir / "w.safetensors", bytes.substr(0, 5));
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"is truncated", "8-byte header length"});
  testing::write_bytes(dir / "w.safetensors", "");
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"w.safetensors", "empty"});
}

TEST(SafetensorsReader, RejectsShapeThatDisagreesWithByteCount) {
  TempDir dir;
  std::string bytes = testing::safetensors_bytes({{"c.weight", ramp({2, 1, 1, 1}, 0)}}, {});
  const std::string shape = "\"shape\":[2,1,1,1]";
  ASSERT_NE(bytes.find(shape), std::string::npos);
  bytes.replace(bytes.find(shape), shape.size(), "\"shape\":[3,1,1,1]");
  testing::write_bytes(dir / "w.safetensors", bytes);
  expect_input_error([&] { open_weights(dir / "w.safetensors"); },
                     {"'c.weight'", "has 8 bytes", "shape [3,1,1,1] of F32 needs 12"});
}

TEST(SafetensorsReader, RejectsMalformedHeaders) {
  TempDir dir;
  std::string huge(8, '\xff');
  testing::write_bytes(dir / "w.safetensors", huge + "{}");
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"not a safetensors file", "header length"});

  std::string bytes = testing::safetensors_bytes({{"c.weight", ramp({2, 1, 1, 1}, 0)}}, {});
  bytes[8] = '[';
  testing::write_bytes(dir / "w.safetensors", bytes);
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"w.safetensors", "invalid header"});

  bytes = testing::safetensors_bytes({{"c.weight", ramp({2, 1, 1, 1}, 0)}}, {});
  bytes.replace(bytes.find("F32"), 3, "F8X");
  testing::write_bytes(dir / "w.safetensors", bytes);
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"'c.weight'", "unsupported dtype F8X"});

  bytes = testing::safetensors_bytes({{"c.weight", ramp({2, 1, 1, 1}, 0)}}, {});
  bytes.replace(bytes.find("[0,8]"), 5, "[8,0]");
  testing::write_bytes(dir / "w.safetensors", bytes);
  expect_input_error([&] { open_weights(dir / "w.safetensors"); }, {"'c.weight'", "invalid data_offsets"});
}

TEST(SafetensorsReader, RealVgg19MatchesTfjs) {
  const auto& convs = testing::vgg19_partial_convs();
  if (convs.empty()) GTEST_SKIP() << testing::vgg19_partial_dir() << " not present";
  for (torch::Dtype dtype : {torch::kFloat32, torch::kFloat64}) {
    std::map<std::string, torch::Tensor> tensors;
    for (const auto& c : convs) {
      tensors[c.torchvision + ".weight"] = c.params.weight.to(dtype);
      tensors[c.torchvision + ".bias"] = c.params.bias.to(dtype);
    }
    TempDir dir;
    write_safetensors(dir / "vgg19.safetensors", tensors);
    auto src = open_weights(dir / "vgg19.safetensors");
    ASSERT_EQ(src->format(), "safetensors");
    ASSERT_EQ(src->layers().size(), convs.size());
    EXPECT_TRUE(torch::equal(src->conv("features.0").weight, convs.front().params.weight));
    testing::expect_vgg19_features_match_tfjs(*src);
  }
}

}  // namespace
}  // namespace impasto
