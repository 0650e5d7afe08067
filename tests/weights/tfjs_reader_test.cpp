#include "weights/tfjs_reader.h"

#include <nlohmann/json.hpp>

#include "weights/weight_source.h"
#include "tfjs_writer.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using nlohmann::json;
using testing::expect_input_error;
using testing::TempDir;

using Tensor = testing::TfjsTensor;
using testing::write_model;

TEST(TfjsReader, ReadsKernelsInPyTorchLayout) {
  TempDir dir;
  // kh=2, kw=3, in=4, out=5; c2 has no bias; gamma and a dense kernel are not conv layers.
  write_model(dir.path(),
              {{{"c1/kernel", {2, 3, 4, 5}, 0.0f}, {"bn/gamma", {5}, 50.0f}, {"c1/bias", {5}, 1000.0f}},
               {{"dense/kernel", {6, 7}, 0.0f}, {"blk/c2/kernel", {1, 1, 5, 3}, -20.0f}}},
              3);
  auto src = open_weights(dir.path());
  EXPECT_EQ(src->format(), "TensorFlow.js");
  EXPECT_EQ(src->layers(), (std::vector<std::string>{"c1", "blk/c2"}));

  ConvParams c1 = src->conv("c1");
  ASSERT_EQ(c1.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
  EXPECT_TRUE(c1.weight.is_contiguous());
  auto w = c1.weight.accessor<float, 4>();
  for (int o = 0; o < 5; ++o)
    for (int i = 0; i < 4; ++i)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
          ASSERT_FLOAT_EQ(w[o][i][y][x], ((y * 3 + x) * 4 + i) * 5 + o) << o << i << y << x;
  EXPECT_FLOAT_EQ(c1.weight[1][2][1][0].item<float>(), 71.0f);  // HWIO (1,0,2,1) -> ((3+0)*4+2)*5+1
  ASSERT_EQ(c1.bias.sizes(), (torch::IntArrayRef{5}));
  EXPECT_FLOAT_EQ(c1.bias[4].item<float>(), 1004.0f);

  ConvParams c2 = src->conv("blk/c2");
  ASSERT_EQ(c2.weight.sizes(), (torch::IntArrayRef{3, 5, 1, 1}));
  EXPECT_FLOAT_EQ(c2.weight[2][4][0][0].item<float>(), -20.0f + 4 * 3 + 2);
  EXPECT_TRUE(torch::equal(c2.bias, torch::zeros({3})));

  // Same model through the model.json path.
  EXPECT_EQ(open_weights(dir / "model.json")->layers().size(), 2u);
  // A dense kernel [in,out] reads as the 1x1 convolution [out,in,1,1].
  ConvParams dense = src->conv("dense");
  ASSERT_EQ(dense.weight.sizes(), (torch::IntArrayRef{7, 6, 1, 1}));
  EXPECT_FLOAT_EQ(dense.weight[2][5][0][0].item<float>(), 5 * 7 + 2);
  expect_input_error([&] { src->conv("nope"); }, {"nope", "model.json"});
}

TEST(TfjsReader, RejectsTruncatedShardWhenOpened) {
  TempDir dir;
  write_model(dir.path(), {{{"c1/kernel", {3, 3, 2, 4}, 0.0f}, {"c1/bias", {4}, 0.0f}}}, 1, 6);
  expect_input_error([&] { open_tfjs_weights(dir / "model.json"); }, {"group1-shard1of1", "damaged", "truncated"});
}

// Only a group missing whole at the end of the manifest is a partial download; a missing shard of a
// present group, or a missing group before a present one, is damage.
TEST(TfjsReader, MissingShardInsideTheModelIsDamage) {
  TempDir dir;
  write_model(dir.path(), {{{"c1/kernel", {1, 1, 2, 4}, 0.0f}}, {{"c2/kernel", {1, 1, 4, 4}, 0.0f}}}, 2);
  std::filesystem::remove(dir / "group1-shard2of2");
  expect_input_error([&] { open_tfjs_weights(dir.path()); }, {"damaged", "group1-shard2of2", "missing"});
  TempDir hole;
  write_model(hole.path(), {{{"c1/kernel", {1, 1, 2, 4}, 0.0f}}, {{"c2/kernel", {1, 1, 4, 4}, 0.0f}}}, 1);
  std::filesystem::remove(hole / "group1-shard1of1");
  expect_input_error([&] { open_weights(hole.path()); }, {"damaged", "group1-shard1of1", "later groups"});
}

TEST(TfjsReader, RejectsBiasLengthMismatch) {
  TempDir dir;
  write_model(dir.path(), {{{"c1/kernel", {3, 3, 2, 4}, 0.0f}, {"c1/bias", {3}, 0.0f}}});
  expect_input_error([&] { open_tfjs_weights(dir.path())->conv("c1"); },
                     {"c1/bias", "[3]", "4 output channels"});
}

TEST(TfjsReader, RejectsNonFloatDtype) {
  TempDir dir;
  write_model(dir.path(), {{{"c1/kernel", {3, 3, 2, 4}, 0.0f, "int32"}, {"c1/bias", {4}, 0.0f}}});
  expect_input_error([&] { open_tfjs_weights(dir.path())->conv("c1"); },
                     {"c1/kernel", "int32", "only float32"});
}

TEST(TfjsReader, MissingShardHidesLayerAndNamesFile) {
  TempDir dir;
  write_model(dir.path(), {{{"c1/kernel", {1, 1, 2, 4}, 0.0f}}, {{"c2/kernel", {1, 1, 4, 4}, 0.0f}}}, 1);
  std::filesystem::remove(dir / "group2-shard1of1");
  auto src = open_tfjs_weights(dir.path());
  EXPECT_EQ(src->layers(), std::vector<std::string>{"c1"});
  expect_input_error([&] { src->conv("c2"); }, {"group2-shard1of1", "missing"});
}

TEST(TfjsReader, RejectsMalformedJson) {
  TempDir dir;
  testing::write_bytes(dir / "model.json", "{\"weightsManifest\": [");
  expect_input_error([&] { open_weights(dir.path()); }, {"model.json", "not a valid TensorFlow.js"});
  testing::write_bytes(dir / "model.json", "{\"modelTopology\": {}}");
  expect_input_error([&] { open_weights(dir.path()); }, {"weightsManifest"});
}

TEST(TfjsReader, RealVgg19Partial) {
  const auto dir = testing::shared_models_dir() / "vgg19-partial";
  if (!std::filesystem::exists(dir / "model.json")) GTEST_SKIP() << dir << " not present";
  auto src = open_weights(dir);
  const std::vector<std::string> expected{"block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
                                          "block3_conv1", "block3_conv2", "block3_conv3", "block3_conv4"};
  EXPECT_EQ(src->layers(), expected);
  EXPECT_EQ(src->conv("block1_conv1").weight.sizes(), (torch::IntArrayRef{64, 3, 3, 3}));
  EXPECT_EQ(src->conv("block1_conv2").weight.sizes(), (torch::IntArrayRef{64, 64, 3, 3}));
  EXPECT_EQ(src->conv("block2_conv1").weight.sizes(), (torch::IntArrayRef{128, 64, 3, 3}));
  const ConvParams last = src->conv("block3_conv4");
  EXPECT_EQ(last.weight.sizes(), (torch::IntArrayRef{256, 256, 3, 3}));
  EXPECT_EQ(last.bias.sizes(), (torch::IntArrayRef{256}));
  EXPECT_TRUE(torch::isfinite(last.weight).all().item<bool>());
  EXPECT_GT(last.weight.abs().sum().item<float>(), 1.0f);
  // Listed in the manifest, but its shards were not copied.
  expect_input_error([&] { src->conv("block4_conv1"); }, {"group9-shard1of2", "missing"});
}

}  // namespace
}  // namespace impasto
