#include "weights/torch_zip_reader.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>
#include <map>

#include "weights/input_convention.h"
#include "weights/weight_source.h"
#include "torch_zip_writer.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;
using testing::floats;
using testing::TempDir;

using namespace testing::pth;

const std::vector<Entry> kVggLike{
    {"features.0.weight", "FloatStorage", "0", 120, 0, {5, 4, 2, 3}, {24, 6, 3, 1}},
    {"features.0.bias", "FloatStorage", "1", 5, 0, {5}, {1}},
    // A transposed view at offset 7 into a larger storage: exercises offset and strides.
    {"features.2.weight", "FloatStorage", "2", 30, 7, {3, 5, 1, 1}, {1, 3, 1, 1}},
    {"classifier.0.weight", "FloatStorage", "3", 60, 0, {6, 10}, {10, 1}},
    {"classifier.0.bias", "FloatStorage", "4", 6, 0, {6}, {1}},
    {"bn.num_batches_tracked", "LongStorage", "5", 1, 0, {}, {}},
};

std::map<std::string, std::string> vgg_like_storages() {
  return {{"0", floats(120, 0.0f, 0.25f)}, {"1", floats(5, -3.0f)}, {"2", floats(30, 100.0f)},
          {"3", floats(60, 0.0f)},         {"4", floats(6, 0.0f)},  {"5", std::string(8, '\0')}};
}

TEST(TorchZipReader, ReadsStateDictWithMetadata) {
  for (bool to_file : {false, true}) {
    TempDir dir;
    const auto file = dir / "vgg.pth";
    write_pth(file, state_dict_pickle(kVggLike), vgg_like_storages(), to_file);
    const std::string prefix = to_file ? "vgg/data.pkl" : "archive/data.pkl";
    ASSERT_NE(testing::read_bytes(file).find(prefix), std::string::npos) << prefix;

    auto src = open_weights(file);
    EXPECT_EQ(src->format(), "PyTorch");
    EXPECT_EQ(src->layers(), (std::vector<std::string>{"features.0", "features.2"}));
    ConvParams c0 = src->conv("features.0");
    ASSERT_EQ(c0.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
    auto w = c0.weight.accessor<float, 4>();
    for (int o = 0; o < 5; ++o)
      for (int i = 0; i < 4; ++i)
        for (int y = 0; y < 2; ++y)
          for (int x = 0; x < 3; ++x) ASSERT_FLOAT_EQ(w[o][i][y][x], 0.25f * (o * 24 + i * 6 + y * 3 + x));
    EXPECT_FLOAT_EQ(c0.bias[4].item<float>(), 1.0f);

    ConvParams c2 = src->conv("features.2");
    ASSERT_EQ(c2.weight.sizes(), (torch::IntArrayRef{3, 5, 1, 1}));
    EXPECT_TRUE(c2.weight.is_contiguous());
    EXPECT_FLOAT_EQ(c2.weight[2][4][0][0].item<float>(), 100.0f + 7 + 2 + 4 * 3);
    EXPECT_FLOAT_EQ(c2.weight[1][0][0][0].item<float>(), 108.0f);
    EXPECT_TRUE(torch::equal(c2.bias, torch::zeros({3})));  // no bias entry

    expect_input_error([&] { src->conv("classifier.0"); }, {"classifier.0.weight", "rank 2, expected 4"});
    expect_input_error([&] { src->conv("features.1"); }, {"features.1", "vgg.pth"});
  }
}

TEST(TorchZipReader, KnownFileNamesDeclareTheirInputConvention) {
  TempDir dir;
  write_pth(dir / "vgg19-dcbb9e9d.pth", state_dict_pickle(kVggLike), vgg_like_storages());
  const std::string bytes = testing::read_bytes(dir / "vgg19-dcbb9e9d.pth");
  const auto torchvision = open_weights(dir / "vgg19-dcbb9e9d.pth")->input_convention();
  ASSERT_TRUE(torchvision.has_value());
  EXPECT_EQ(*torchvision, torchvision_input());
  // The same bytes under neural-style-pt's name of its Caffe conversion, and under no known name.
  testing::write_bytes(dir / "vgg19-d01eb7cb.pth", bytes);
  EXPECT_EQ(open_weights(dir / "vgg19-d01eb7cb.pth")->input_convention(), caffe_input());
  testing::write_bytes(dir / "x.pth", bytes);
  EXPECT_FALSE(open_weights(dir / "x.pth")->input_convention().has_value());
}

TEST(TorchZipReader, RejectsBiasLengthMismatch) {
  TempDir dir;
  auto entries = kVggLike;
  entries[1].size = {4};
  write_pth(dir / "w.pth", state_dict_pickle(entries), vgg_like_storages());
  expect_input_error([&] { open_torch_weights(dir / "w.pth")->conv("features.0"); },
                     {"features.0.bias", "4 elements", "5 output channels"});
}

TEST(TorchZipReader, RejectsTruncatedStorageRecord) {
  TempDir dir;
  auto storages = vgg_like_storages();
  storages["0"].resize(100);
  write_pth(dir / "w.pth", state_dict_pickle(kVggLike), storages);
  expect_input_error([&] { open_torch_weights(dir / "w.pth"); }, {"w.pth", "data/0", "truncated"});
}

TEST(TorchZipReader, RejectsViewOutsideStorage) {
  TempDir dir;
  auto entries = kVggLike;
  entries[2].offset = 20;
  write_pth(dir / "w.pth", state_dict_pickle(entries), vgg_like_storages());
  expect_input_error([&] { open_torch_weights(dir / "w.pth"); }, {"outside its storage of 30 elements"});
}

TEST(TorchZipReader, RejectsTruncatedArchive) {
  TempDir dir;
  write_pth(dir / "w.pth", state_dict_pickle(kVggLike), vgg_like_storages());
  const std::string bytes = testing::read_bytes(dir / "w.pth");
  testing::write_bytes(dir / "w.pth", bytes.substr(0, bytes.size() / 2));
  expect_input_error([&] { open_weights(dir / "w.pth"); }, {"w.pth", "not a readable PyTorch zip archive"});
}

TEST(TorchZipReader, RejectsTruncatedPickle) {
  TempDir dir;
  const std::string pickle = state_dict_pickle(kVggLike);
  write_pth(dir / "w.pth", pickle.substr(0, pickle.size() / 2), vgg_like_storages());
  expect_input_error([&] { open_torch_weights(dir / "w.pth"); }, {"w.pth", "pickle ends unexpectedly"});
}

TEST(TorchZipReader, RejectsUnsupportedOpcode) {
  TempDir dir;
  write_pth(dir / "w.pth", std::string("\x80\x02S'abc'\n.", 10), {});  // STRING is protocol 0
  expect_input_error([&] { open_torch_weights(dir / "w.pth"); },
                     {"unsupported pickle opcode 0x53", "byte 2"});
}

TEST(TorchZipReader, ConvertsFloatingPointAndRejectsOtherDtypesWhenUsed) {
  TempDir dir;
  auto entries = kVggLike;
  entries[0].storage_type = "DoubleStorage";
  entries[1].storage_type = "LongStorage";
  auto storages = vgg_like_storages();
  storages["0"] = std::string(120 * 8, '\0');
  const double value = -2.5;
  std::memcpy(&storages["0"][8 * 119], &value, 8);
  storages["1"] = std::string(5 * 8, '\0');
  write_pth(dir / "w.pth", state_dict_pickle(entries), storages);
  auto src = open_torch_weights(dir / "w.pth");
  EXPECT_EQ(src->conv("features.2").weight.size(0), 3);
  expect_input_error([&] { src->conv("features.0"); }, {"features.0.bias", "Long", "only floating-point"});

  entries[1].storage_type = "FloatStorage";
  storages["1"] = vgg_like_storages()["1"];
  write_pth(dir / "w.pth", state_dict_pickle(entries), storages);
  const ConvParams c0 = open_torch_weights(dir / "w.pth")->conv("features.0");
  EXPECT_EQ(c0.weight.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(c0.weight[4][3][1][2].item<float>(), -2.5f);

  entries[0].storage_type = "QInt8Storage";
  write_pth(dir / "w.pth", state_dict_pickle(entries), storages);
  expect_input_error([&] { open_torch_weights(dir / "w.pth"); },
                     {"unsupported storage type torch.QInt8Storage"});
}

TEST(TorchZipReader, RejectsLegacyFormat) {
  TempDir dir;
  testing::write_bytes(dir / "old.pth", std::string("\x80\x02\x8a\x0a"
                                                    "l\xfc\x9c"
                                                    "F\xf9 j\xa8P\x19.",
                                                    16));
  expect_input_error([&] { open_weights(dir / "old.pth"); }, {"old.pth", "legacy"});
}

}  // namespace
}  // namespace impasto
