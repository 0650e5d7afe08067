#pragma once
// Writes MatConvNet (SimpleNN) model files for tests: a `meta` struct and `layers`, a 1xN cell of
// layer structs, as in imagenet-vgg-verydeep-19.mat.
#include <gtest/gtest.h>
#include <matio.h>
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace impasto::testing {

struct MatConvNetLayer {
  std::string name;
  std::string type = "conv";  // "conv", "relu", "pool", ...
  torch::Tensor filter;       // conv only: [kh][kw][in][out] as MATLAB indexes it, float32
  torch::Tensor bias;         // conv only: [out], float32; undefined: no bias array at all
};

struct MatConvNetOptions {
  bool old_fields = false;  // `filters` and `biases` fields instead of the `weights` cell
  bool bias_row = false;    // bias stored [1,out] instead of [out,1]
  bool compress = false;    // zlib, as MATLAB's default -v7 saves
  // normalization.averageImage (double), as MATLAB indexes it; undefined: no normalization at all.
  torch::Tensor average_image = torch::tensor({123.68, 116.779, 103.939}, torch::kDouble).view({1, 3});
  bool top_level_normalization = false;  // `normalization` as a variable of its own (releases before `meta`)
};

namespace matconvnet_detail {

// Sets a field; matio hands back the placeholder it replaces, which is ours to free.
inline void set_field(matvar_t* s, const char* name, matvar_t* value) {
  Mat_VarFree(Mat_VarSetStructFieldByName(s, name, 0, value));
}

inline matvar_t* text(const std::string& s) {
  size_t dims[2] = {1, s.size()};
  return Mat_VarCreate(nullptr, MAT_C_CHAR, MAT_T_UTF8, 2, dims, const_cast<char*>(s.data()), 0);
}

// A tensor indexed [d0][d1]... in MATLAB's column-major order.
inline matvar_t* single(const torch::Tensor& t, std::vector<size_t> dims) {
  const torch::Tensor colmajor = t.to(torch::kFloat32).permute(
      [&] { std::vector<int64_t> p; for (int64_t d = t.dim() - 1; d >= 0; --d) p.push_back(d); return p; }())
                                     .contiguous();
  return Mat_VarCreate(nullptr, MAT_C_SINGLE, MAT_T_SINGLE, static_cast<int>(dims.size()), dims.data(),
                       colmajor.data_ptr(), 0);  // copies the data
}

inline matvar_t* double_array(const torch::Tensor& t) {
  std::vector<size_t> dims(t.sizes().begin(), t.sizes().end());
  std::vector<int64_t> reversed;
  for (int64_t d = t.dim() - 1; d >= 0; --d) reversed.push_back(d);
  const torch::Tensor colmajor = t.to(torch::kDouble).permute(reversed).contiguous();
  return Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()), dims.data(),
                       colmajor.data_ptr(), 0);  // copies the data
}

inline std::vector<size_t> dims_of(const torch::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

inline matvar_t* layer_struct(const MatConvNetLayer& l, const MatConvNetOptions& o) {
  const bool conv = l.filter.defined();
  std::vector<const char*> fields{"name", "type"};
  if (conv && o.old_fields) fields.insert(fields.end(), {"filters", "biases"});
  if (conv && !o.old_fields) fields.push_back("weights");
  fields.push_back("stride");
  size_t one[2] = {1, 1};
  matvar_t* s = Mat_VarCreateStruct(nullptr, 2, one, fields.data(), static_cast<unsigned>(fields.size()));
  set_field(s, "name", text(l.name));
  set_field(s, "type", text(l.type));
  double stride[2] = {1, 1};
  size_t sdims[2] = {1, 2};
  set_field(s, "stride", Mat_VarCreate(nullptr, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, sdims, stride, 0));
  if (!conv) return s;
  matvar_t* filter = single(l.filter, dims_of(l.filter));
  matvar_t* bias = nullptr;
  if (l.bias.defined()) {
    const size_t n = static_cast<size_t>(l.bias.numel());
    bias = single(l.bias.reshape({-1}), o.bias_row ? std::vector<size_t>{1, n} : std::vector<size_t>{n, 1});
  }
  if (o.old_fields) {
    set_field(s, "filters", filter);
    if (bias) set_field(s, "biases", bias);
    return s;
  }
  size_t cdims[2] = {1, bias ? 2u : 1u};
  matvar_t* weights = Mat_VarCreate(nullptr, MAT_C_CELL, MAT_T_CELL, 2, cdims, nullptr, 0);
  Mat_VarSetCell(weights, 0, filter);
  if (bias) Mat_VarSetCell(weights, 1, bias);
  set_field(s, "weights", weights);
  return s;
}

}  // namespace matconvnet_detail

inline void write_matconvnet(const std::filesystem::path& path, const std::vector<MatConvNetLayer>& layers,
                             const MatConvNetOptions& options = {}) {
  using namespace matconvnet_detail;
  mat_t* mat = Mat_CreateVer(path.string().c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr) << path;
  const auto compression = options.compress ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE;

  size_t one[2] = {1, 1};
  if (options.average_image.defined()) {
    const char* norm_fields[] = {"averageImage"};
    matvar_t* norm =
        Mat_VarCreateStruct(options.top_level_normalization ? "normalization" : nullptr, 2, one, norm_fields, 1);
    set_field(norm, "averageImage", double_array(options.average_image));
    matvar_t* top = norm;
    if (!options.top_level_normalization) {
      const char* meta_fields[] = {"normalization"};
      top = Mat_VarCreateStruct("meta", 2, one, meta_fields, 1);
      set_field(top, "normalization", norm);
    }
    EXPECT_EQ(Mat_VarWrite(mat, top, compression), 0);
    Mat_VarFree(top);
  }

  size_t ldims[2] = {1, layers.size()};
  matvar_t* cell = Mat_VarCreate("layers", MAT_C_CELL, MAT_T_CELL, 2, ldims, nullptr, 0);
  for (size_t i = 0; i < layers.size(); ++i) Mat_VarSetCell(cell, static_cast<int>(i), layer_struct(layers[i], options));
  EXPECT_EQ(Mat_VarWrite(mat, cell, compression), 0);
  Mat_VarFree(cell);
  Mat_Close(mat);
}

}  // namespace impasto::testing
