#include "weights/mat_reader.h"

#include <matio.h>

#include <algorithm>

#include "matconvnet_writer.h"
#include "vgg19_reference.h"
#include "weights/input_convention.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;
using testing::MatConvNetLayer;
using testing::MatConvNetOptions;
using testing::TempDir;
using testing::write_matconvnet;

struct Array {
  std::vector<size_t> dims;
  std::vector<float> values;
  matio_classes cls = MAT_C_SINGLE;
};

matvar_t* make_array(const Array& a) {
  std::vector<size_t> dims = a.dims;
  if (a.cls == MAT_C_DOUBLE) {
    std::vector<double> d(a.values.begin(), a.values.end());
    return Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()), dims.data(),
                         d.data(), 0);
  }
  return Mat_VarCreate(nullptr, MAT_C_SINGLE, MAT_T_SINGLE, static_cast<int>(dims.size()), dims.data(),
                       const_cast<float*>(a.values.data()), 0);
}

// Writes each layer as a top-level cell {kernel, bias, ...extra}; also a non-cell variable.
void write_mat(const std::filesystem::path& p,
               const std::vector<std::pair<std::string, std::vector<Array>>>& layers) {
  mat_t* mat = Mat_CreateVer(p.string().c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr);
  size_t mdims[2] = {1, 1};
  double meta = 42;
  matvar_t* mv = Mat_VarCreate("meta", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, mdims, &meta, 0);
  Mat_VarWrite(mat, mv, MAT_COMPRESSION_NONE);
  Mat_VarFree(mv);
  for (const auto& [name, arrays] : layers) {
    size_t cdims[2] = {1, arrays.size()};
    matvar_t* cell = Mat_VarCreate(name.c_str(), MAT_C_CELL, MAT_T_CELL, 2, cdims, nullptr, 0);
    for (size_t i = 0; i < arrays.size(); ++i)
      Mat_VarSetCell(cell, static_cast<int>(i), make_array(arrays[i]));
    ASSERT_EQ(Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE), 0);
    Mat_VarFree(cell);
  }
  Mat_Close(mat);
}

Array ramp(std::vector<size_t> dims, float scale, float offset) {
  size_t n = 1;
  for (size_t d : dims) n *= d;
  Array a{dims, std::vector<float>(n)};
  for (size_t i = 0; i < n; ++i) a.values[i] = offset + scale * static_cast<float>(i);
  return a;
}

TEST(MatReader, ReadsKernelsInPyTorchLayout) {
  TempDir dir;
  const auto file = dir / "w.mat";
  // kh=2, kw=3, in=4, out=5: all different so a transposition bug changes shape or values.
  write_mat(file, {{"convA", {ramp({2, 3, 4, 5}, 0.5f, 1.0f), ramp({1, 5}, 1.0f, 100.0f)}},
                   // out=1 kernel [3,2,4,1]; MATLAB would store it with rank 3.
                   {"blk/one", {ramp({3, 2, 4}, -1.0f, 0.0f), ramp({1, 1}, 0.0f, 7.0f)}}});
  auto src = open_mat_weights(file);
  EXPECT_EQ(src->format(), "MAT-file");
  EXPECT_EQ(src->layers(), (std::vector<std::string>{"convA", "blk/one"}));

  ConvParams a = src->conv("convA");
  ASSERT_EQ(a.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
  ASSERT_EQ(a.bias.sizes(), (torch::IntArrayRef{5}));
  EXPECT_EQ(a.weight.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(a.weight.is_contiguous());
  auto w = a.weight.accessor<float, 4>();
  for (int o = 0; o < 5; ++o)
    for (int i = 0; i < 4; ++i)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) {
          const int colmajor = y + 2 * (x + 3 * (i + 4 * o));
          ASSERT_FLOAT_EQ(w[o][i][y][x], 1.0f + 0.5f * colmajor) << o << i << y << x;
        }
  EXPECT_FLOAT_EQ(a.weight[4][3][1][2].item<float>(), 1.0f + 0.5f * 119);
  EXPECT_FLOAT_EQ(a.bias[3].item<float>(), 103.0f);

  ConvParams b = src->conv("blk/one");
  ASSERT_EQ(b.weight.sizes(), (torch::IntArrayRef{1, 4, 3, 2}));
  EXPECT_FLOAT_EQ(b.weight[0][2][1][1].item<float>(), -(1.0f + 3 * (1 + 2 * 2)));
  EXPECT_FLOAT_EQ(b.bias[0].item<float>(), 7.0f);

  expect_input_error([&] { src->conv("convB"); }, {"convB", "w.mat"});
}

TEST(MatReader, RejectsBiasLengthMismatch) {
  TempDir dir;
  write_mat(dir / "w.mat", {{"c", {ramp({3, 3, 2, 5}, 1, 0), ramp({1, 4}, 1, 0)}}});
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); },
                     {"'c'", "bias has 4 elements", "5 output channels"});
}

TEST(MatReader, RejectsWrongKernelRank) {
  TempDir dir;
  write_mat(dir / "w.mat", {{"c", {ramp({2, 2, 2, 2, 2}, 1, 0), ramp({1, 2}, 1, 0)}}});
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); }, {"kernel must be 4-D", "2x2x2x2x2"});
}

TEST(MatReader, RejectsCellOfWrongSize) {
  TempDir dir;
  write_mat(dir / "w.mat", {{"c", {ramp({3, 3, 2, 5}, 1, 0)}}});
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); }, {"1x2 cell", "'c'"});
}

TEST(MatReader, RejectsDoublePrecision) {
  TempDir dir;
  Array k = ramp({3, 3, 2, 5}, 1, 0);
  k.cls = MAT_C_DOUBLE;
  write_mat(dir / "w.mat", {{"c", {k, ramp({1, 5}, 1, 0)}}});
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); }, {"kernel", "single-precision"});
}

TEST(MatReader, RejectsTruncatedFile) {
  TempDir dir;
  write_mat(dir / "w.mat", {{"c1", {ramp({3, 3, 2, 5}, 1, 0), ramp({1, 5}, 1, 0)}},
                            {"c2", {ramp({3, 3, 5, 8}, 1, 0), ramp({1, 8}, 1, 0)}}});
  const std::string bytes = testing::read_bytes(dir / "w.mat");
  testing::write_bytes(dir / "w.mat", bytes.substr(0, bytes.size() - 100));
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); }, {"w.mat", "truncated"});
}

TEST(MatReader, RejectsNonMatFile) {
  TempDir dir;
  testing::write_bytes(dir / "w.mat", std::string(300, 'x'));
  expect_input_error([&] { open_mat_weights(dir / "w.mat"); }, {"w.mat", "MAT-file"});
}

TEST(MatReader, RealSqueezeNet) {
  const auto file = testing::shared_models_dir() / "squeezenet1_1" / "sqz_notop.mat";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " not present";
  auto src = open_weights(file);
  EXPECT_EQ(src->format(), "MAT-file");
  // Layers come in file order, which in this file is not network order.
  auto names = src->layers();
  std::vector<std::string> expected{"conv1"};
  for (int f = 2; f <= 9; ++f)
    for (const char* part : {"squeeze1x1", "expand1x1", "expand3x3"})
      expected.push_back("fire" + std::to_string(f) + "/" + part);
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  EXPECT_EQ(src->conv("conv1").weight.sizes(), (torch::IntArrayRef{64, 3, 3, 3}));
  EXPECT_EQ(src->conv("conv1").bias.sizes(), (torch::IntArrayRef{64}));
  EXPECT_EQ(src->conv("fire2/squeeze1x1").weight.sizes(), (torch::IntArrayRef{16, 64, 1, 1}));
  EXPECT_EQ(src->conv("fire2/expand1x1").weight.sizes(), (torch::IntArrayRef{64, 16, 1, 1}));
  EXPECT_EQ(src->conv("fire9/expand3x3").weight.sizes(), (torch::IntArrayRef{256, 64, 3, 3}));
  EXPECT_EQ(src->conv("fire9/expand3x3").bias.sizes(), (torch::IntArrayRef{256}));
  // Trained weights: finite, not all zero.
  const auto w = src->conv("conv1").weight;
  EXPECT_TRUE(torch::isfinite(w).all().item<bool>());
  EXPECT_GT(w.abs().sum().item<float>(), 1.0f);
}

torch::Tensor ramp_tensor(std::vector<int64_t> shape, float start) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return (torch::arange(n, torch::kFloat32) + start).reshape(shape);
}

// filter [kh=2][kw=3][in=4][out=5] as MATLAB indexes it; conv1_2 has one output channel, which
// MATLAB would store as a rank-3 array.
std::vector<MatConvNetLayer> matconvnet_layers() {
  return {{"conv1_1", "conv", ramp_tensor({2, 3, 4, 5}, 0), ramp_tensor({5}, 100)},
          {"relu1_1", "relu", {}, {}},
          {"conv1_2", "conv", ramp_tensor({3, 2, 5, 1}, -50), ramp_tensor({1}, 7)},
          {"pool1", "pool", {}, {}}};
}

TEST(MatReader, ReadsMatConvNetLayersInPyTorchLayout) {
  for (bool old_fields : {false, true})
    for (bool bias_row : {false, true})
      for (bool compress : {false, true}) {
        SCOPED_TRACE("old fields " + std::to_string(old_fields) + ", bias row " + std::to_string(bias_row) +
                     ", compressed " + std::to_string(compress));
        TempDir dir;
        const auto layers = matconvnet_layers();
        write_matconvnet(dir / "net.mat", layers, MatConvNetOptions{old_fields, bias_row, compress});
        auto src = open_weights(dir / "net.mat");
        EXPECT_EQ(src->format(), "MAT-file");
        EXPECT_EQ(src->layers(), (std::vector<std::string>{"conv1_1", "conv1_2"}));
        const ConvParams a = src->conv("conv1_1");
        ASSERT_EQ(a.weight.sizes(), (torch::IntArrayRef{5, 4, 2, 3}));
        EXPECT_TRUE(a.weight.is_contiguous());
        auto w = a.weight.accessor<float, 4>();
        auto f = layers[0].filter.accessor<float, 4>();
        for (int o = 0; o < 5; ++o)
          for (int i = 0; i < 4; ++i)
            for (int y = 0; y < 2; ++y)
              for (int x = 0; x < 3; ++x) ASSERT_EQ(w[o][i][y][x], f[y][x][i][o]) << o << i << y << x;
        EXPECT_FLOAT_EQ(a.weight[1][2][1][0].item<float>(), 71.0f);  // filter(2,1,3,2) in MATLAB
        EXPECT_TRUE(torch::equal(a.bias, ramp_tensor({5}, 100)));
        const ConvParams b = src->conv("conv1_2");
        ASSERT_EQ(b.weight.sizes(), (torch::IntArrayRef{1, 5, 3, 2}));
        EXPECT_FLOAT_EQ(b.weight[0][4][2][1].item<float>(), -50.0f + (2 * 2 + 1) * 5 + 4);
        EXPECT_FLOAT_EQ(b.bias[0].item<float>(), 7.0f);
        expect_input_error([&] { src->conv("relu1_1"); }, {"no layer 'relu1_1'", "net.mat"});
      }
}

TEST(MatReader, MatConvNetDeclaresRgbMinusItsAverageImage) {
  TempDir dir;
  MatConvNetOptions options;
  options.average_image = torch::tensor({120.5, 115.25, 100.125}, torch::kDouble).view({1, 1, 3});
  write_matconvnet(dir / "net.mat", matconvnet_layers(), options);
  const auto declared = open_weights(dir / "net.mat")->input_convention();
  ASSERT_TRUE(declared.has_value());
  EXPECT_EQ(declared->name, "matconvnet");
  EXPECT_FALSE(declared->bgr);
  EXPECT_EQ(declared->range, 255);
  EXPECT_EQ(declared->mean, (std::array<double, 3>{120.5, 115.25, 100.125}));
  EXPECT_EQ(declared->stddev, (std::array<double, 3>{1, 1, 1}));

  // Older releases: a top-level `normalization` whose averageImage is a whole mean image.
  torch::manual_seed(5);
  options.average_image = torch::rand({4, 5, 3}, torch::kDouble) * 255;
  options.top_level_normalization = true;
  options.compress = true;
  write_matconvnet(dir / "old.mat", matconvnet_layers(), options);
  const auto old = open_weights(dir / "old.mat")->input_convention();
  ASSERT_TRUE(old.has_value());
  const torch::Tensor expected = options.average_image.mean(at::IntArrayRef{0, 1});
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(old->mean[c], expected[c].item<double>(), 1e-9) << c;

  // No averageImage: still MatConvNet's RGB, with the VGG releases' mean.
  options.average_image = torch::Tensor();
  write_matconvnet(dir / "bare.mat", matconvnet_layers(), options);
  EXPECT_EQ(open_weights(dir / "bare.mat")->input_convention(), matconvnet_input());
}

TEST(MatReader, SqueezeNetLayoutDeclaresNoInputConvention) {
  TempDir dir;
  write_mat(dir / "w.mat", {{"conv1", {ramp({3, 3, 3, 2}, 0.5f, 1.0f), ramp({1, 2}, 1.0f, 0.0f)}}});
  EXPECT_FALSE(open_mat_weights(dir / "w.mat")->input_convention().has_value());
}

TEST(MatReader, MatConvNetRejectsMalformedLayers) {
  TempDir dir;
  auto layers = matconvnet_layers();
  layers[2].bias = ramp_tensor({2}, 0);
  write_matconvnet(dir / "w.mat", layers);
  expect_input_error([&] { open_weights(dir / "w.mat"); },
                     {"w.mat", "layers{3} 'conv1_2'", "bias has 2 elements", "1 output channels"});

  layers = matconvnet_layers();
  layers[0].filter = ramp_tensor({2, 3, 4, 5, 2}, 0);
  write_matconvnet(dir / "w.mat", layers);
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"'conv1_1'", "kernel must be 4-D", "2x3x4x5x2"});

  layers = matconvnet_layers();
  layers[0].bias = torch::Tensor();  // a weights cell with the filter only
  write_matconvnet(dir / "w.mat", layers);
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"'conv1_1' weights", "expected a 1x2 cell", "1x1"});
  write_matconvnet(dir / "w.mat", layers, MatConvNetOptions{true, false, false});
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"'conv1_1' bias", "not a real single-precision"});

  layers = matconvnet_layers();
  layers[1].type = "conv";  // a conv layer with no weights at all
  write_matconvnet(dir / "w.mat", layers);
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"layers{2} 'relu1_1'", "neither 'weights' nor 'filters'"});

  layers = matconvnet_layers();
  layers[2].name = "conv1_1";
  write_matconvnet(dir / "w.mat", layers);
  expect_input_error([&] { open_weights(dir / "w.mat"); }, {"two layers named 'conv1_1'"});
}

TEST(MatReader, MatConvNetRejectsTruncatedFile) {
  for (bool compress : {false, true}) {
    TempDir dir;
    write_matconvnet(dir / "w.mat", matconvnet_layers(), MatConvNetOptions{false, false, compress});
    const std::string bytes = testing::read_bytes(dir / "w.mat");
    testing::write_bytes(dir / "w.mat", bytes.substr(0, bytes.size() - 30));
    expect_input_error([&] { open_weights(dir / "w.mat"); }, {"w.mat", "truncated"});
  }
}

TEST(MatReader, RealVgg19AsMatConvNetMatchesTfjs) {
  const auto& convs = testing::vgg19_partial_convs();
  if (convs.empty()) GTEST_SKIP() << testing::vgg19_partial_dir() << " not present";
  // MatConvNet's VGG takes RGB minus its averageImage (the writer's default: the VGG mean in RGB), so its
  // first layer is the Caffe one with the input channels reversed; the features are then the same.
  std::vector<MatConvNetLayer> layers;
  for (const auto& c : convs) {
    const torch::Tensor weight = layers.empty() ? c.params.weight.flip(1) : c.params.weight;
    layers.push_back({c.matconvnet, "conv", weight.permute({2, 3, 1, 0}), c.params.bias});
    layers.push_back({"relu" + c.matconvnet.substr(4), "relu", {}, {}});
  }
  TempDir dir;
  write_matconvnet(dir / "imagenet-vgg-verydeep-19.mat", layers, MatConvNetOptions{false, false, true});
  auto src = open_weights(dir / "imagenet-vgg-verydeep-19.mat");
  ASSERT_EQ(src->format(), "MAT-file");
  ASSERT_EQ(src->layers().size(), convs.size());
  EXPECT_EQ(src->layers().front(), "conv1_1");
  EXPECT_TRUE(torch::equal(src->conv("conv3_4").weight, convs.back().params.weight));
  EXPECT_EQ(src->input_convention(), matconvnet_input());
  testing::expect_vgg19_features_match_tfjs(*src);
}

}  // namespace
}  // namespace impasto
