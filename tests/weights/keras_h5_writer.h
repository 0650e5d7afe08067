#pragma once
// Writes Keras 2 HDF5 weight files (the layout of model.save_weights / model.save) for tests.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <torch/types.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace impasto::testing {

struct KerasWeight {
  std::string name;  // as listed in weight_names, e.g. "block1_conv1/kernel:0"
  torch::Tensor value;  // written in its own shape and dtype (float32, float64 or int32)
};

struct KerasLayer {
  std::string name;
  std::vector<KerasWeight> weights;
};

struct KerasH5Options {
  bool full_model = false;            // model.save(): the weights sit under group model_weights
  bool variable_length_strings = false;  // h5py str attributes; false: numpy fixed-length bytes
};

// A convolution with Keras 2 weight names; `kernel` is [kh][kw][in][out], `bias` may be undefined.
inline KerasLayer keras_conv(const std::string& name, const torch::Tensor& kernel, const torch::Tensor& bias) {
  KerasLayer l{name, {{name + "/kernel:0", kernel}}};
  if (bias.defined()) l.weights.push_back({name + "/bias:0", bias});
  return l;
}

namespace keras_h5_detail {

inline void write_strings(hid_t object, const char* name, const std::vector<std::string>& strings,
                          bool variable_length) {
  if (strings.empty()) {  // what Keras writes for a layer without weights: an empty float64 array
    hsize_t zero = 0;
    hid_t space = H5Screate_simple(1, &zero, nullptr);
    hid_t attr = H5Acreate2(object, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Aclose(attr);
    H5Sclose(space);
    return;
  }
  hsize_t n = strings.size();
  hid_t space = H5Screate_simple(1, &n, nullptr);
  hid_t type = H5Tcopy(H5T_C_S1);
  if (variable_length) {
    H5Tset_size(type, H5T_VARIABLE);
    std::vector<const char*> ptrs;
    for (const auto& s : strings) ptrs.push_back(s.c_str());
    hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Awrite(attr, type, ptrs.data()), 0);
    H5Aclose(attr);
  } else {
    size_t width = 1;
    for (const auto& s : strings) width = std::max(width, s.size());
    H5Tset_size(type, width);
    H5Tset_strpad(type, H5T_STR_NULLPAD);  // numpy "S" arrays: no terminator on the longest one
    std::string buffer(width * strings.size(), '\0');
    for (size_t i = 0; i < strings.size(); ++i) buffer.replace(i * width, strings[i].size(), strings[i]);
    hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Awrite(attr, type, buffer.data()), 0);
    H5Aclose(attr);
  }
  H5Tclose(type);
  H5Sclose(space);
}

inline void write_dataset(hid_t group, const std::string& name, const torch::Tensor& value) {
  const torch::Tensor t = value.contiguous();
  hid_t file_type = H5T_IEEE_F32LE, mem_type = H5T_NATIVE_FLOAT;
  if (t.scalar_type() == torch::kFloat64) file_type = H5T_IEEE_F64LE, mem_type = H5T_NATIVE_DOUBLE;
  if (t.scalar_type() == torch::kInt32) file_type = H5T_STD_I32LE, mem_type = H5T_NATIVE_INT;
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t links = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(links, 1);  // "block1_conv1/kernel:0" makes a subgroup
  hid_t dataset = H5Dcreate2(group, name.c_str(), file_type, space, links, H5P_DEFAULT, H5P_DEFAULT);
  EXPECT_GE(dataset, 0) << name;
  EXPECT_GE(H5Dwrite(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()), 0) << name;
  H5Dclose(dataset);
  H5Pclose(links);
  H5Sclose(space);
}

}  // namespace keras_h5_detail

inline void write_keras_h5(const std::filesystem::path& path, const std::vector<KerasLayer>& layers,
                           const KerasH5Options& options = {}) {
  using namespace keras_h5_detail;
  hid_t file = H5Fcreate(path.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0) << path;
  hid_t root = options.full_model ? H5Gcreate2(file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                                  : H5Gopen2(file, "/", H5P_DEFAULT);
  std::vector<std::string> names;
  for (const auto& layer : layers) {
    names.push_back(layer.name);
    hid_t group = H5Gcreate2(root, layer.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<std::string> weight_names;
    for (const auto& w : layer.weights) {
      weight_names.push_back(w.name);
      write_dataset(group, w.name, w.value);
    }
    write_strings(group, "weight_names", weight_names, options.variable_length_strings);
    H5Gclose(group);
  }
  write_strings(root, "layer_names", names, options.variable_length_strings);
  if (options.full_model) write_strings(file, "model_config", {"{\"class_name\": \"Functional\"}"}, false);
  H5Gclose(root);
  H5Fclose(file);
}

}  // namespace impasto::testing
