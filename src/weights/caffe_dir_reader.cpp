#include "weights/caffe_dir_reader.h"

#include <impasto/errors.h>

#include <fstream>

#include "weights/caffe_prototxt.h"
#include "weights/conv_params.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "raw Caffe blobs are read as little-endian floats");

// The whole file as a float32 tensor of this shape; its size must match exactly.
// The whole file as a float32 tensor of this shape; its size must match exactly (checked before
// anything is allocated: the shape comes from the prototxt).
torch::Tensor read_raw_floats(const fs::path& file, const std::vector<int64_t>& shape) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw InputError("Caffe weight file " + file.string() + " is missing or not a regular file");
  const uint64_t actual = fs::file_size(file, ec);
  if (ec) throw InputError("Caffe weight file " + file.string() + " is missing or unreadable");
  uint64_t expected = sizeof(float);
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(expected, static_cast<uint64_t>(d), &expected))
      throw InputError("Caffe weight file " + file.string() + ": invalid shape " + shape_text(shape));
  if (actual != expected)
    throw InputError("Caffe weight file " + file.string() + " has " + std::to_string(actual) + " bytes, expected " +
                     std::to_string(expected) + " for float32 " + shape_text(shape));
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  std::ifstream in(file, std::ios::binary);
  if (!in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(expected)))
    throw InputError("cannot read Caffe weight file " + file.string());
  return t;
}

class CaffeDirSource : public WeightSource {
 public:
  explicit CaffeDirSource(const fs::path& prototxt)
      : prototxt_(prototxt),
        weights_dir_(prototxt.parent_path() / "weights"),
        net_(read_caffe_prototxt(prototxt)),
        shapes_(caffe_convolution_shapes(net_)) {}

  std::vector<std::string> layers() const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& l : net_.layers)
      if (l.type == "Convolution" && fs::is_regular_file(filter_file(l.name), ec)) out.push_back(l.name);
    return out;
  }

  ConvParams conv(const std::string& layer) const override {
    const CaffeLayer* l = net_.find(layer);
    if (l == nullptr || l->type != "Convolution")
      throw InputError("no convolution layer '" + layer + "' in " + prototxt_.string());
    auto shape = shapes_.find(layer);
    if (shape == shapes_.end())
      throw InputError(prototxt_.string() + ": the input channels of '" + layer +
                       "' do not follow from the network's input shape and layers");
    const auto [out, in, kh, kw] = shape->second;
    torch::Tensor weight = ohwi_to_oihw(read_raw_floats(filter_file(layer), {out, kh, kw, in}));
    const fs::path bias_file = weights_dir_ / (layer + "_bias.bin");
    return make_conv_params(std::move(weight),
                            l->convolution.bias_term ? read_raw_floats(bias_file, {out}) : torch::Tensor(),
                            prototxt_.string(), bias_file.string());
  }

  std::string format() const override { return "Caffe (per-layer files)"; }

 private:
  // A layer name with '/' (inception_3a/1x1) names a subfolder, as the path syntax gives for free.
  fs::path filter_file(const std::string& layer) const { return weights_dir_ / (layer + "_filter.bin"); }

  fs::path prototxt_;
  fs::path weights_dir_;
  CaffeNet net_;
  std::map<std::string, std::array<int64_t, 4>> shapes_;
};

}  // namespace

std::unique_ptr<WeightSource> open_caffe_dir_weights(const fs::path& path) {
  const fs::path prototxt = fs::is_directory(path) ? path / "deploy.prototxt" : path;
  std::error_code ec;
  if (!fs::is_regular_file(prototxt, ec))
    throw InputError("Caffe model directory " + prototxt.parent_path().string() + " has no " +
                     prototxt.filename().string());
  return std::make_unique<CaffeDirSource>(prototxt);
}

}  // namespace impasto
