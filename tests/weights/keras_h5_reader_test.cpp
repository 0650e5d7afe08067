#include "weights/keras_h5_reader.h"

#include "keras_h5_writer.h"
#include "tensor_support.h"
#include "vgg19_reference.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;
using testing::KerasH5Options;
using testing::KerasLayer;
using testing::keras_conv;
using testing::ramp;
using testing::TempDir;
using testing::write_keras_h5;

// kh=2, kw=3, in=4, out=5: all different, so a transposition bug changes shape or values.
std::vector<KerasLayer> small_model() {
  return {keras_conv("c1", ramp({2, 3, 4, 5}, 0), ramp({5}, 1000)),
          {"pool", {}},  // a layer without weights
          {"dense", {{"dense/kernel:0", ramp({6, 7}, 0)}, {"dense/bias:0", ramp({7}, 0)}}},
          keras_conv("blk_c2", ramp({1, 1, 5, 3}, -20), torch::Tensor())};
}

void expect_small_model(const WeightSource& src) {
  EXPECT_EQ(src.format(), "Keras HDF5");
  EXPECT_EQ(src.layers(), (std::vector<std::string>{"c1", "blk_c2"}));
  ConvParams c1 = src.conv("c1");
  ASSERT_EQ(c1.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
  EXPECT_EQ(c1.weight.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(c1.weight.is_contiguous());
  auto w = c1.weight.accessor<float, 4>();
  for (int o = 0; o < 5; ++o)
    for (int i = 0; i < 4; ++i)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
          ASSERT_FLOAT_EQ(w[o][i][y][x], ((y * 3 + x) * 4 + i) * 5 + o) << o << i << y << x;
  EXPECT_FLOAT_EQ(c1.weight[1][2][1][0].item<float>(), 71.0f);  // HWIO (1,0,2,1)
  ASSERT_EQ(c1.bias.sizes(), (torch::IntArrayRef{5}));
  EXPECT_FLOAT_EQ(c1.bias[4].item<float>(), 1004.0f);

  ConvParams c2 = src.conv("blk_c2");
  ASSERT_EQ(c2.weight.sizes(), (torch::IntArrayRef{3, 5, 1, 1}));
  EXPECT_FLOAT_EQ(c2.weight[2][4][0][0].item<float>(), -20.0f + 4 * 3 + 2);
  EXPECT_TRUE(torch::equal(c2.bias, torch::zeros({3})));  // use_bias=False
}

TEST(KerasH5Reader, ReadsKernelsInPyTorchLayout) {
  for (bool full_model : {false, true})
    for (bool variable_length : {false, true}) {
      SCOPED_TRACE("full_model " + std::to_string(full_model) + ", variable-length strings " +
                   std::to_string(variable_length));
      TempDir dir;
      write_keras_h5(dir / "w.h5", small_model(), KerasH5Options{full_model, variable_length});
      auto src = open_weights(dir / "w.h5");
      expect_small_model(*src);
      expect_input_error([&] { src->conv("dense"); }, {"dense/kernel:0", "rank 2"});
      expect_input_error([&] { src->conv("nope"); }, {"no layer 'nope'", "w.h5"});
      expect_input_error([&] { src->conv("pool"); }, {"'pool'", "no kernel"});
    }
}

TEST(KerasH5Reader, ReadsKeras1WeightNamesAndFloat64) {
  TempDir dir;
  write_keras_h5(dir / "old.h5",
                 {{"c1", {{"c1_W_1:0", ramp({2, 3, 4, 5}, 0, torch::kFloat64)}, {"c1_b_1:0", ramp({5}, 1000)}}},
                  {"pool", {}},
                  {"dense", {{"dense_W:0", ramp({6, 7}, 0)}}},
                  {"blk_c2", {{"blk_c2_W:0", ramp({1, 1, 5, 3}, -20)}}}});
  expect_small_model(*open_weights(dir / "old.h5"));
}

TEST(KerasH5Reader, ReadsBatchNormalisation) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {{"bn", {{"bn/gamma:0", ramp({3}, 1)},
                                        {"bn/beta:0", ramp({3}, 10)},
                                        {"bn/moving_mean:0", ramp({3}, 20)},
                                        {"bn/moving_variance:0", ramp({3}, 30)}}},
                                {"bn_noscale", {{"bn_noscale/moving_mean:0", ramp({2}, 0)},
                                                {"bn_noscale/moving_variance:0", ramp({2}, 5)}}}});
  auto src = open_weights(dir / "w.h5");
  EXPECT_TRUE(src->layers().empty());
  const BatchNormParams bn = src->batch_norm("bn");
  EXPECT_TRUE(torch::equal(bn.gamma, torch::tensor({1.0f, 2.0f, 3.0f})));
  EXPECT_TRUE(torch::equal(bn.beta, torch::tensor({10.0f, 11.0f, 12.0f})));
  EXPECT_TRUE(torch::equal(bn.mean, torch::tensor({20.0f, 21.0f, 22.0f})));
  EXPECT_TRUE(torch::equal(bn.variance, torch::tensor({30.0f, 31.0f, 32.0f})));
  const BatchNormParams plain = src->batch_norm("bn_noscale");
  EXPECT_TRUE(torch::equal(plain.gamma, torch::ones({2})));
  EXPECT_TRUE(torch::equal(plain.beta, torch::zeros({2})));
  expect_input_error([&] { src->batch_norm("bn2"); }, {"no layer 'bn2'"});
}

TEST(KerasH5Reader, RejectsBiasLengthMismatch) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {keras_conv("c1", ramp({3, 3, 2, 5}, 0), ramp({4}, 0))});
  expect_input_error([&] { open_weights(dir / "w.h5")->conv("c1"); },
                     {"w.h5", "c1/c1/bias:0", "4 elements", "5 output channels"});
}

TEST(KerasH5Reader, WrongKernelRankIsNotAConvolution) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {keras_conv("c1", ramp({3, 2, 5}, 0), ramp({5}, 0))});
  auto src = open_weights(dir / "w.h5");
  EXPECT_TRUE(src->layers().empty());
  expect_input_error([&] { src->conv("c1"); }, {"c1/c1/kernel:0", "rank 3", "needs 4"});
}

TEST(KerasH5Reader, RejectsIntegerKernel) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {keras_conv("c1", ramp({3, 3, 2, 5}, 0, torch::kInt32), ramp({5}, 0))});
  expect_input_error([&] { open_weights(dir / "w.h5")->conv("c1"); }, {"c1/c1/kernel:0", "not floating-point"});
}

TEST(KerasH5Reader, RejectsTruncatedFile) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {keras_conv("c1", ramp({3, 3, 8, 16}, 0), ramp({16}, 0))});
  const std::string bytes = testing::read_bytes(dir / "w.h5");
  testing::write_bytes(dir / "w.h5", bytes.substr(0, bytes.size() - 700));
  expect_input_error([&] { open_weights(dir / "w.h5"); }, {"Keras HDF5 file", "w.h5", "truncated"});
}

TEST(KerasH5Reader, RejectsMissingDataset) {
  TempDir dir;
  write_keras_h5(dir / "w.h5", {{"c1", {{"c1/kernel:0", ramp({1, 1, 2, 2}, 0)}}}});
  // List a weight the group does not hold.
  hid_t file = H5Fopen((dir / "w.h5").string().c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  hid_t group = H5Gopen2(file, "c1", H5P_DEFAULT);
  H5Adelete(group, "weight_names");
  testing::keras_h5_detail::write_strings(group, "weight_names", {"c1/kernel:0", "c1/bias:0"}, false);
  H5Gclose(group);
  H5Fclose(file);
  expect_input_error([&] { open_weights(dir / "w.h5")->conv("c1"); }, {"c1/c1/bias:0", "missing"});
}

TEST(KerasH5Reader, RejectsHdf5WithoutKerasLayout) {
  TempDir dir;
  hid_t file = H5Fcreate((dir / "w.h5").string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  expect_input_error([&] { open_weights(dir / "w.h5"); }, {"w.h5", "no 'layer_names' attribute"});
}

TEST(KerasH5Reader, RejectsNonHdf5File) {
  TempDir dir;
  testing::write_bytes(dir / "w.h5", std::string(600, 'x'));
  expect_input_error([&] { open_weights(dir / "w.h5"); }, {"w.h5", "cannot be opened as HDF5"});
  testing::write_bytes(dir / "e.h5", "");
  expect_input_error([&] { open_weights(dir / "e.h5"); }, {"e.h5", "empty"});
}

TEST(KerasH5Reader, OpenWeightsDispatchesByContent) {
  TempDir dir;
  write_keras_h5(dir / "weights.bin", small_model());
  EXPECT_EQ(open_weights(dir / "weights.bin")->format(), "Keras HDF5");
}

TEST(KerasH5Reader, RealVgg19MatchesTfjs) {
  const auto& convs = testing::vgg19_partial_convs();
  if (convs.empty()) GTEST_SKIP() << testing::vgg19_partial_dir() << " not present";
  std::vector<KerasLayer> layers;
  for (const auto& c : convs) layers.push_back(keras_conv(c.keras, c.params.weight.permute({2, 3, 1, 0}), c.params.bias));
  TempDir dir;
  write_keras_h5(dir / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", layers);
  auto src = open_weights(dir / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5");
  ASSERT_EQ(src->format(), "Keras HDF5");
  ASSERT_EQ(src->layers().size(), convs.size());
  EXPECT_TRUE(torch::equal(src->conv("block3_conv4").weight, convs.back().params.weight));
  testing::expect_vgg19_features_match_tfjs(*src);
}

}  // namespace
}  // namespace impasto
