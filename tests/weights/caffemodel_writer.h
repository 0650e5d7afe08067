#pragma once
// Writes binary Caffe models (NetParameter) with known contents, for reader tests: a minimal
// protobuf encoder plus the few caffe.proto messages a .caffemodel needs.
#include <torch/types.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "weights/weight_source.h"
#include "test_support.h"

namespace impasto::testing {

namespace proto {

inline void varint(std::string& out, uint64_t v) {
  do {
    const auto low = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
    out += static_cast<char>(v ? low | 0x80 : low);
  } while (v);
}

inline void tag(std::string& out, uint32_t field, uint32_t wire_type) { varint(out, uint64_t{field} << 3 | wire_type); }

inline void varint_field(std::string& out, uint32_t field, uint64_t v) {
  tag(out, field, 0);
  varint(out, v);
}

inline void bytes_field(std::string& out, uint32_t field, const std::string& bytes) {
  tag(out, field, 2);
  varint(out, bytes.size());
  out += bytes;
}

template <typename T>
std::string raw(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace proto

struct CaffemodelStyle {
  bool legacy_v1 = false;         // NetParameter.layers (V1LayerParameter) instead of .layer
  bool legacy_blob_dims = false;  // BlobProto num/channels/height/width (bias [1,1,1,out]) instead of shape
  bool packed = true;             // data as one packed field, else one 32-bit field per value
  bool doubles = false;           // double_data instead of data
  bool packed_dims = true;        // BlobShape.dim packed, else one varint field per dim
};

// One BlobProto holding `t` (any rank; legacy dims pad it to 4-D on the left).
inline std::string caffe_blob(const torch::Tensor& t, const CaffemodelStyle& style) {
  std::string blob;
  const torch::Tensor values = t.contiguous().to(torch::kFloat64);
  std::vector<int64_t> shape = t.sizes().vec();
  if (style.legacy_blob_dims) {
    while (shape.size() < 4) shape.insert(shape.begin(), 1);
    for (uint32_t i = 0; i < 4; ++i) proto::varint_field(blob, 1 + i, static_cast<uint64_t>(shape[i]));
  } else {
    std::string dims, packed;
    for (int64_t d : shape) {
      proto::varint(packed, static_cast<uint64_t>(d));
      proto::varint_field(dims, 1, static_cast<uint64_t>(d));
    }
    std::string blob_shape;
    if (style.packed_dims) proto::bytes_field(blob_shape, 1, packed);
    else blob_shape = dims;
    proto::bytes_field(blob, 7, blob_shape);
  }
  const double* v = values.data_ptr<double>();
  const uint32_t field = style.doubles ? 8 : 5;
  std::string data;
  for (int64_t i = 0; i < values.numel(); ++i) {
    const std::string bytes = style.doubles ? proto::raw(v[i]) : proto::raw(static_cast<float>(v[i]));
    if (style.packed) {
      data += bytes;
    } else {
      proto::tag(blob, field, style.doubles ? 1 : 5);
      blob += bytes;
    }
  }
  if (style.packed) proto::bytes_field(blob, field, data);
  return blob;
}

struct CaffeLayerSpec {
  std::string name;
  std::string type;  // "Convolution", "InnerProduct", "ReLU", ...
  std::vector<torch::Tensor> blobs;
};

inline std::string caffe_layer(const CaffeLayerSpec& layer, const CaffemodelStyle& style) {
  std::string m;
  if (style.legacy_v1) {
    const uint64_t type = layer.type == "Convolution" ? 4 : layer.type == "InnerProduct" ? 14 : layer.type == "ReLU" ? 18 : 0;
    proto::bytes_field(m, 2, "bottom_blob");  // V1 bottom, to be skipped by readers
    proto::bytes_field(m, 4, layer.name);
    proto::varint_field(m, 5, type);
    for (const auto& b : layer.blobs) proto::bytes_field(m, 6, caffe_blob(b, style));
  } else {
    proto::bytes_field(m, 1, layer.name);
    proto::bytes_field(m, 2, layer.type);
    proto::bytes_field(m, 3, "bottom_blob");  // bottom, to be skipped by readers
    for (const auto& b : layer.blobs) proto::bytes_field(m, 7, caffe_blob(b, style));
  }
  return m;
}

inline std::string caffemodel_bytes(const std::vector<CaffeLayerSpec>& layers, const CaffemodelStyle& style = {}) {
  std::string net;
  proto::bytes_field(net, 1, "TestNet");
  for (const auto& l : layers) proto::bytes_field(net, style.legacy_v1 ? 2 : 100, caffe_layer(l, style));
  return net;
}

// Convolutions only, each with its weight [out,in,kh,kw] and bias [out].
inline void write_caffemodel(const std::filesystem::path& path,
                             const std::vector<std::pair<std::string, ConvParams>>& convs,
                             const CaffemodelStyle& style = {}) {
  std::vector<CaffeLayerSpec> layers;
  for (const auto& [name, p] : convs) layers.push_back({name, "Convolution", {p.weight, p.bias}});
  write_bytes(path, caffemodel_bytes(layers, style));
}

}  // namespace impasto::testing
