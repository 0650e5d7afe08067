#include <impasto/errors.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <utility>

#include "weights/caffe_dir_reader.h"
#include "weights/caffemodel_reader.h"
#include "weights/keras_h5_reader.h"
#include "weights/mat_reader.h"
#include "weights/safetensors_reader.h"
#include "weights/tfjs_reader.h"
#include "weights/torch_zip_reader.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;

struct Format {
  const char* name;
  const char* magic;  // leading bytes of the file; empty for none
  std::array<const char*, 2> extensions;
  const char* directory_file;  // what a model directory of this format holds; nullptr for none
  std::unique_ptr<WeightSource> (*open)(const fs::path&);
};

// Content wins over name: a file is matched by magic first, by extension only if no magic fits.
const std::array<Format, 7> kFormats{{
    {"MAT-file (level 5, .mat)", "MATLAB 5.0", {".mat", nullptr}, nullptr, open_mat_weights},
    {"PyTorch state dict (zip, .pth/.pt)", "PK\x03\x04", {".pth", ".pt"}, nullptr, open_torch_weights},
    {"Keras HDF5 (.h5/.hdf5)", "\x89HDF\r\n\x1a\n", {".h5", ".hdf5"}, nullptr, open_keras_h5_weights},
    {"safetensors (.safetensors)", "", {".safetensors", nullptr}, nullptr, open_safetensors_weights},
    {"TensorFlow.js layers model (model.json or its directory)", "", {".json", nullptr}, "model.json",
     open_tfjs_weights},
    {"Caffe per-layer files (deploy.prototxt + weights/, or its directory)", "", {".prototxt", nullptr},
     "deploy.prototxt", open_caffe_dir_weights},
    {"Caffe model (.caffemodel)", "", {".caffemodel", nullptr}, nullptr, open_caffemodel_weights},
}};

std::string directory_files() {
  std::string s;
  for (const auto& f : kFormats)
    if (f.directory_file) s += std::string(s.empty() ? "" : " or ") + f.directory_file;
  return s;
}

std::string supported_list() {
  std::string s;
  for (const auto& f : kFormats) s += std::string(s.empty() ? "" : ", ") + f.name;
  return s;
}

bool has_extension(const Format& f, std::string ext) {
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(f.extensions.begin(), f.extensions.end(), [&](const char* e) { return e && ext == e; });
}

// Every reader's parameters pass through here: a NaN or Inf in a weights file is damage, named with
// the file and the layer, before the network is built with it.
class FiniteWeights : public WeightSource {
 public:
  FiniteWeights(std::unique_ptr<WeightSource> source, fs::path path) : source_(std::move(source)), path_(std::move(path)) {}
  std::vector<std::string> layers() const override { return source_->layers(); }
  ConvParams conv(const std::string& layer) const override {
    ConvParams p = source_->conv(layer);
    check(p.weight, layer, "weights");
    check(p.bias, layer, "bias");
    return p;
  }
  BatchNormParams batch_norm(const std::string& layer) const override {
    BatchNormParams p = source_->batch_norm(layer);
    for (const auto& [t, what] : {std::pair{&p.gamma, "gamma"}, {&p.beta, "beta"}, {&p.mean, "mean"}, {&p.variance, "variance"}})
      check(*t, layer, what);
    if (!std::isfinite(p.epsilon) || p.epsilon < 0)
      throw InputError("weights file " + path_.string() + ": batch-normalisation layer '" + layer + "' has epsilon " +
                       std::to_string(p.epsilon));
    return p;
  }
  std::string format() const override { return source_->format(); }
  std::optional<InputConvention> input_convention() const override { return source_->input_convention(); }

 private:
  void check(const torch::Tensor& t, const std::string& layer, const char* what) const {
    if (!t.defined() || t.numel() == 0) return;
    const int64_t bad = t.numel() - torch::isfinite(t).sum().item<int64_t>();
    if (bad > 0)
      throw InputError("weights file " + path_.string() + " is damaged: layer '" + layer + "' " + what + " hold " +
                       std::to_string(bad) + " NaN or infinite value" + (bad > 1 ? "s" : ""));
  }

  std::unique_ptr<WeightSource> source_;
  fs::path path_;
};

std::unique_ptr<WeightSource> open_by_format(const fs::path& file, const std::string& prefix) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(prefix + "cannot be read");
  std::string head(16, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.empty()) throw InputError(prefix + "the file is empty");

  for (const auto& f : kFormats)
    if (*f.magic && head.rfind(f.magic, 0) == 0) return f.open(file);
  for (const auto& f : kFormats)
    if (has_extension(f, file.extension().string())) return f.open(file);
  throw InputError(prefix + "unknown format; supported formats: " + supported_list());
}

}  // namespace

BatchNormParams WeightSource::batch_norm(const std::string& layer) const {
  throw InputError(format() + " weights have no batch-normalisation layer '" + layer + "'");
}

std::unique_ptr<WeightSource> open_weights(const fs::path& path) {
  const std::string prefix = "cannot open weights file " + path.string() + ": ";
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) throw InputError(prefix + "no such file");
  fs::path file = path;
  if (fs::is_directory(status)) {
    auto holds = [&](const Format& f) { return f.directory_file && fs::is_regular_file(path / f.directory_file, ec); };
    auto format = std::find_if(kFormats.begin(), kFormats.end(), holds);
    if (format == kFormats.end())
      throw InputError(prefix + "directory without " + directory_files() + "; supported formats: " + supported_list());
    file = path / format->directory_file;
  } else if (!fs::is_regular_file(status)) {
    // A FIFO or device would block the read forever (or never end).
    throw InputError(prefix + "not a regular file");
  }
  return std::make_unique<FiniteWeights>(open_by_format(file, prefix), path);
}

}  // namespace impasto
