#include "weights/caffemodel_reader.h"

#include <impasto/errors.h>

#include <cstring>
#include <map>

#include "weights/conv_params.h"
#include "weights/mapped_file.h"
#include "weights/protobuf_wire.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using protobuf::Field;
using protobuf::WireType;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Caffe's packed floats are decoded in place");

// Field numbers of caffe.proto.
namespace net_field {
constexpr uint32_t kLayersV1 = 2, kLayer = 100;
}
struct LayerFields {
  uint32_t name, type, blobs;
};
constexpr LayerFields kLayerV2{1, 2, 7}, kLayerV1{4, 5, 6};
constexpr uint64_t kV1Convolution = 4;
namespace blob_field {
constexpr uint32_t kNum = 1, kChannels = 2, kHeight = 3, kWidth = 4, kData = 5, kShape = 7, kDoubleData = 8;
constexpr uint32_t kShapeDim = 1;
}

struct Blob {
  Field message;
  std::vector<int64_t> shape;
};

struct Layer {
  std::string name;
  bool convolution = false;
  uint64_t offset = 0;
  std::vector<Blob> blobs;
};

// A BlobProto's shape: `shape { dim }` when present, else the legacy num/channels/height/width.
std::vector<int64_t> blob_shape(const Field& message) {
  std::vector<int64_t> shape, legacy(4, 0);
  bool has_legacy = false;
  protobuf::Reader blob(message);
  Field f;
  while (blob.next(f)) {
    if (f.number == blob_field::kShape && f.type == WireType::Bytes) {
      protobuf::Reader dims(f);
      Field d;
      while (dims.next(d)) {
        if (d.number != blob_field::kShapeDim) continue;
        if (d.type == WireType::Varint) {
          shape.push_back(static_cast<int64_t>(d.value));
        } else if (d.type == WireType::Bytes) {  // packed
          protobuf::Reader packed(d);
          while (!packed.at_end()) shape.push_back(static_cast<int64_t>(packed.varint()));
        }
      }
    } else if (f.number >= blob_field::kNum && f.number <= blob_field::kWidth && f.type == WireType::Varint) {
      legacy[f.number - blob_field::kNum] = static_cast<int32_t>(f.value);
      has_legacy = true;
    }
  }
  return shape.empty() && has_legacy ? legacy : shape;
}

// The blob's values (float `data`, packed or not, or `double_data`) as a tensor of its shape.
torch::Tensor blob_values(const Blob& blob, uint64_t file_size) {
  int64_t numel = 1;
  for (int64_t d : blob.shape) {
    if (d < 0 || (d > 0 && numel > static_cast<int64_t>(file_size) / d))
      throw InputError("shape " + shape_text(blob.shape) + " is invalid or larger than the file");
    numel *= d;
  }
  torch::Tensor t = torch::empty(blob.shape, torch::kFloat32);
  float* out = t.data_ptr<float>();
  int64_t n = 0;
  auto room = [&](uint64_t more) {
    if (static_cast<uint64_t>(numel - n) < more)
      throw InputError("holds more values than its shape " + shape_text(blob.shape) + " has");
  };
  protobuf::Reader reader(blob.message);
  Field f;
  while (reader.next(f)) {
    if (f.number == blob_field::kData && f.type == WireType::Bytes) {
      if (f.size % 4) throw InputError("packed float data of " + std::to_string(f.size) + " bytes");
      room(f.size / 4);
      std::memcpy(out + n, f.data, f.size);
      n += static_cast<int64_t>(f.size / 4);
    } else if (f.number == blob_field::kData && f.type == WireType::Fixed32) {
      room(1);
      const auto bits = static_cast<uint32_t>(f.value);
      std::memcpy(out + n++, &bits, 4);
    } else if (f.number == blob_field::kDoubleData && f.type == WireType::Bytes) {
      if (f.size % 8) throw InputError("packed double data of " + std::to_string(f.size) + " bytes");
      room(f.size / 8);
      for (uint64_t i = 0; i < f.size; i += 8) {
        double v;
        std::memcpy(&v, f.data + i, 8);
        out[n++] = static_cast<float>(v);
      }
    } else if (f.number == blob_field::kDoubleData && f.type == WireType::Fixed64) {
      room(1);
      double v;
      std::memcpy(&v, &f.value, 8);
      out[n++] = static_cast<float>(v);
    }
  }
  if (n != numel)
    throw InputError("holds " + std::to_string(n) + " values, its shape " + shape_text(blob.shape) + " needs " +
                     std::to_string(numel));
  return t;
}

Layer index_layer(const Field& message, const LayerFields& fields, bool legacy) {
  Layer layer;
  layer.offset = message.offset;
  protobuf::Reader reader(message);
  Field f;
  while (reader.next(f)) {
    if (f.number == fields.name && f.type == WireType::Bytes) {
      layer.name.assign(f.data, f.size);
    } else if (f.number == fields.type) {
      layer.convolution = legacy ? f.type == WireType::Varint && f.value == kV1Convolution
                                 : f.type == WireType::Bytes && std::string(f.data, f.size) == "Convolution";
    } else if (f.number == fields.blobs && f.type == WireType::Bytes) {
      layer.blobs.push_back({f, blob_shape(f)});
    }
  }
  return layer;
}

class CaffemodelSource : public WeightSource {
 public:
  explicit CaffemodelSource(const fs::path& path) : where_("Caffe model " + path.string()), file_(path) {
    if (file_.size() == 0) throw InputError(where_ + " is empty");
    try {
      protobuf::Reader net(file_.data(), file_.size());
      Field f;
      size_t count = 0;
      while (net.next(f)) {
        const bool v1 = f.number == net_field::kLayersV1, v2 = f.number == net_field::kLayer;
        if (!(v1 || v2) || f.type != WireType::Bytes) continue;
        ++count;
        Layer layer = index_layer(f, v1 ? kLayerV1 : kLayerV2, v1);
        if (!layer.convolution || layer.blobs.empty() || layer.blobs.front().shape.size() != 4) continue;
        if (index_.count(layer.name))
          throw InputError("convolution layer '" + layer.name + "' appears twice");
        order_.push_back(layer.name);
        index_.emplace(layer.name, std::move(layer));
      }
      if (count == 0) throw InputError("holds no layers; is it a Caffe NetParameter?");
    } catch (const InputError& e) {
      throw InputError(where_ + " is not a readable Caffe model: " + e.what());
    }
  }

  std::vector<std::string> layers() const override { return order_; }

  ConvParams conv(const std::string& name) const override {
    auto it = index_.find(name);
    if (it == index_.end()) throw InputError("no convolution layer '" + name + "' in " + where_);
    const Layer& layer = it->second;
    const std::string what = where_ + ", layer '" + name + "' (at byte " + std::to_string(layer.offset) + ")";
    auto values = [&](const Blob& blob) {
      try {
        return blob_values(blob, file_.size());
      } catch (const InputError& e) {
        throw InputError(what + ": " + e.what());
      }
    };
    torch::Tensor weight = values(layer.blobs[0]);
    const int64_t out = weight.size(0);
    torch::Tensor bias = layer.blobs.size() < 2 ? torch::Tensor() : values(layer.blobs[1]);  // none: bias_term false
    // Legacy blobs are 4-D throughout: a bias is then [1,1,1,out].
    if (bias.defined() && bias.sizes() == torch::IntArrayRef{1, 1, 1, out}) bias = bias.reshape({out});
    return make_conv_params(std::move(weight), std::move(bias), what, "bias blob");
  }

  std::string format() const override { return "Caffe"; }

 private:
  std::string where_;
  MappedFile file_;
  std::vector<std::string> order_;
  std::map<std::string, Layer> index_;
};

}  // namespace

std::unique_ptr<WeightSource> open_caffemodel_weights(const fs::path& path) {
  return std::make_unique<CaffemodelSource>(path);
}

}  // namespace impasto
