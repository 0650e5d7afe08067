#include "weights/caffemodel_reader.h"

#include "caffemodel_writer.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::CaffeLayerSpec;
using testing::CaffemodelStyle;
using testing::expect_input_error;
using testing::TempDir;

// Distinct values everywhere, so that any transposition or mix-up changes what is read.
torch::Tensor counting(std::vector<int64_t> shape, float start) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return (torch::arange(n, torch::kFloat32) * 0.25f + start).reshape(shape);
}

// VGG-shaped layers with small channel counts, interleaved with layers that are not convolutions.
std::vector<CaffeLayerSpec> small_net() {
  return {{"conv1_1", "Convolution", {counting({4, 3, 3, 3}, 0.0f), counting({4}, 100.0f)}},
          {"relu1_1", "ReLU", {}},
          {"conv1_2", "Convolution", {counting({5, 4, 3, 3}, -50.0f), counting({5}, 200.0f)}},
          {"no_bias", "Convolution", {counting({2, 5, 1, 2}, 7.0f)}},
          {"fc6", "InnerProduct", {counting({3, 10}, 1.0f), counting({3}, 0.0f)}}};
}

void expect_reads_back(const std::filesystem::path& file, const CaffemodelStyle& style) {
  const auto net = small_net();
  testing::write_bytes(file, testing::caffemodel_bytes(net, style));
  auto src = open_weights(file);
  EXPECT_EQ(src->format(), "Caffe");
  EXPECT_EQ(src->layers(), (std::vector<std::string>{"conv1_1", "conv1_2", "no_bias"}));
  for (int i : {0, 2}) {
    const ConvParams p = src->conv(net[i].name);
    EXPECT_TRUE(p.weight.is_contiguous());
    EXPECT_TRUE(torch::equal(p.weight, net[i].blobs[0])) << net[i].name;
    EXPECT_TRUE(torch::equal(p.bias, net[i].blobs[1])) << net[i].name;
  }
  EXPECT_FLOAT_EQ(src->conv("conv1_1").weight[1][2][0][1].item<float>(), 0.25f * (27 + 18 + 1));
  const ConvParams no_bias = src->conv("no_bias");
  EXPECT_TRUE(torch::equal(no_bias.weight, net[3].blobs[0]));
  EXPECT_TRUE(torch::equal(no_bias.bias, torch::zeros({2})));
  expect_input_error([&] { src->conv("fc6"); }, {"no convolution layer 'fc6'"});
  expect_input_error([&] { src->conv("relu1_1"); }, {"relu1_1"});
}

TEST(CaffemodelReader, CurrentLayersWithShapes) {
  TempDir dir;
  expect_reads_back(dir / "net.caffemodel", {});
}

TEST(CaffemodelReader, LegacyBlobDimensions) {
  TempDir dir;
  CaffemodelStyle style;
  style.legacy_blob_dims = true;  // weights [o,i,h,w] as num/channels/height/width, biases [1,1,1,out]
  expect_reads_back(dir / "net.caffemodel", style);
}

TEST(CaffemodelReader, LegacyV1Layers) {
  // VGG_ILSVRC_19_layers.caffemodel's form: V1 `layers` with enum types and 4-D legacy blobs, where
  // the InnerProduct weight is 4-D too and must still not count as a convolution.
  TempDir dir;
  CaffemodelStyle style;
  style.legacy_v1 = true;
  style.legacy_blob_dims = true;
  expect_reads_back(dir / "net.caffemodel", style);
}

TEST(CaffemodelReader, UnpackedFieldsAndDoubleData) {
  TempDir dir;
  CaffemodelStyle unpacked;
  unpacked.packed = false;
  unpacked.packed_dims = false;
  expect_reads_back(dir / "unpacked.caffemodel", unpacked);
  CaffemodelStyle doubles;
  doubles.doubles = true;
  expect_reads_back(dir / "doubles.caffemodel", doubles);
  doubles.packed = false;
  expect_reads_back(dir / "unpacked_doubles.caffemodel", doubles);
}

TEST(CaffemodelReader, TruncatedFile) {
  TempDir dir;
  const std::string bytes = testing::caffemodel_bytes(small_net());
  testing::write_bytes(dir / "cut.caffemodel", bytes.substr(0, bytes.size() - 30));
  expect_input_error([&] { open_weights(dir / "cut.caffemodel"); },
                     {"cut.caffemodel", "not a readable Caffe model", "truncated", "remain"});
}

TEST(CaffemodelReader, WrongShapedBias) {
  TempDir dir;
  testing::write_bytes(dir / "w.caffemodel",
                       testing::caffemodel_bytes({{"c1", "Convolution", {counting({4, 3, 1, 1}, 0), counting({5}, 0)}},
                                                  {"c2", "Convolution", {counting({4, 3, 1, 1}, 0), counting({4, 1}, 0)}}}));
  auto src = open_caffemodel_weights(dir / "w.caffemodel");
  expect_input_error([&] { src->conv("c1"); }, {"w.caffemodel", "'c1'", "'bias blob' has shape [5]", "4 output channels"});
  expect_input_error([&] { src->conv("c2"); }, {"'c2'", "'bias blob' has shape [4,1]"});
}

TEST(CaffemodelReader, DataThatDoesNotFillTheShape) {
  TempDir dir;
  std::string shape, dims, blob, layer, net;
  for (int d : {2, 2, 1, 1}) testing::proto::varint(dims, d);
  testing::proto::bytes_field(shape, 1, dims);
  testing::proto::bytes_field(blob, 7, shape);
  testing::proto::bytes_field(blob, 5, testing::proto::raw(1.0f) + testing::proto::raw(2.0f) + testing::proto::raw(3.0f));
  testing::proto::bytes_field(layer, 1, "short");
  testing::proto::bytes_field(layer, 2, "Convolution");
  testing::proto::bytes_field(layer, 7, blob);
  testing::proto::bytes_field(net, 100, layer);
  testing::write_bytes(dir / "short.caffemodel", net);
  auto src = open_weights(dir / "short.caffemodel");
  EXPECT_EQ(src->layers(), std::vector<std::string>{"short"});
  expect_input_error([&] { src->conv("short"); }, {"'short'", "holds 3 values", "[2,2,1,1] needs 4"});
}

TEST(CaffemodelReader, MissingLayerEmptyAndForeignFiles) {
  TempDir dir;
  testing::write_caffemodel(dir / "w.caffemodel", {{"conv1_1", {counting({2, 3, 3, 3}, 0), counting({2}, 0)}}});
  expect_input_error([&] { open_weights(dir / "w.caffemodel")->conv("conv5_1"); },
                     {"no convolution layer 'conv5_1'", "w.caffemodel"});

  testing::write_bytes(dir / "empty.caffemodel", "");
  expect_input_error([&] { open_caffemodel_weights(dir / "empty.caffemodel"); }, {"empty.caffemodel", "is empty"});
  expect_input_error([&] { open_weights(dir / "empty.caffemodel"); }, {"empty.caffemodel", "is empty"});

  testing::write_bytes(dir / "text.caffemodel", "name: \"not binary\"\nlayer { }\n");
  expect_input_error([&] { open_weights(dir / "text.caffemodel"); }, {"text.caffemodel", "not a readable Caffe model"});

  std::string no_layers;
  testing::proto::bytes_field(no_layers, 1, "JustAName");
  testing::write_bytes(dir / "nolayers.caffemodel", no_layers);
  expect_input_error([&] { open_weights(dir / "nolayers.caffemodel"); }, {"nolayers.caffemodel", "no layers"});
}

}  // namespace
}  // namespace impasto
