#include "weights/keras_h5_reader.h"

#include <hdf5.h>
#include <impasto/errors.h>

#include <cstring>
#include <map>
#include <optional>

#include "weights/conv_params.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxElements = uint64_t{1} << 30;

// Owns an HDF5 identifier and releases it with the matching close function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; while one of these lives it stays quiet and the
// readers report the innermost message (hdf5_error) in their InputError instead.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

std::string hdf5_error() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &message);
  return message.empty() ? "unknown HDF5 error" : message;
}

std::vector<std::string> read_strings(hid_t attr, const std::string& what) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) throw InputError(what + " cannot be read: " + hdf5_error());
  // Keras writes a layer without weights as an empty float array, not an empty string array.
  if (n == 0) return {};
  if (H5Tget_class(type.get()) != H5T_STRING) throw InputError(what + " is not an array of strings");
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    if (H5Aread(attr, mem.get(), ptrs.data()) < 0) throw InputError(what + " cannot be read: " + hdf5_error());
    for (const char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(static_cast<size_t>(n) * size);
  if (H5Aread(attr, type.get(), buffer.data()) < 0) throw InputError(what + " cannot be read: " + hdf5_error());
  const bool space_padded = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buffer.data() + static_cast<size_t>(i) * size;
    std::string s(p, strnlen(p, size));
    if (space_padded) s.erase(s.find_last_not_of(' ') + 1);
    out.push_back(std::move(s));
  }
  return out;
}

// A string-array attribute; Keras splits one over 64 KiB into name0, name1, ... (nullopt: absent).
std::optional<std::vector<std::string>> string_attribute(hid_t object, const std::string& name,
                                                         const std::string& what) {
  std::optional<std::vector<std::string>> out;
  for (int chunk = -1;; ++chunk) {
    const std::string attr_name = chunk < 0 ? name : name + std::to_string(chunk);
    if (H5Aexists(object, attr_name.c_str()) <= 0) {
      if (chunk < 0) continue;
      return out;
    }
    Handle attr(H5Aopen(object, attr_name.c_str(), H5P_DEFAULT), H5Aclose);
    auto strings = read_strings(attr.get(), what + " attribute '" + attr_name + "'");
    if (!out) out.emplace();
    out->insert(out->end(), strings.begin(), strings.end());
    if (chunk < 0) return out;
  }
}

// What a weight is within its layer, from its name: "block1_conv1/kernel:0" (Keras 2) or
// "block1_conv1_W_1:0" (Keras 1) -> "kernel"; Keras 1's short names map onto Keras 2's.
std::string weight_role(std::string name) {
  if (auto colon = name.rfind(':'); colon != std::string::npos) name.erase(colon);
  if (auto slash = name.rfind('/'); slash != std::string::npos) return name.substr(slash + 1);
  if (auto u = name.find_last_not_of("0123456789"); u != std::string::npos && u + 1 < name.size() && name[u] == '_')
    name.erase(u);  // "_1" uniquifying suffix
  static const std::vector<std::pair<std::string, std::string>> keras1{
      {"_W", "kernel"},       {"_b", "bias"},
      {"_gamma", "gamma"},    {"_beta", "beta"},
      {"_running_mean", "moving_mean"},
      {"_running_std", "moving_variance"}};  // despite its name, Keras 1 kept the variance there
  for (const auto& [suffix, role] : keras1)
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return role;
  return name;
}

struct KerasLayer {
  std::map<std::string, std::string> datasets;  // role -> path below the weights root
  int kernel_rank = 0;
};

class KerasH5Source : public WeightSource {
 public:
  KerasH5Source(std::string where, Handle file, Handle root, std::vector<std::string> order,
                std::map<std::string, KerasLayer> layers)
      : where_(std::move(where)),
        file_(std::move(file)),
        root_(std::move(root)),
        order_(std::move(order)),
        layers_(std::move(layers)) {}

  std::vector<std::string> layers() const override {
    std::vector<std::string> out;
    for (const auto& name : order_)
      if (layers_.at(name).kernel_rank == 4) out.push_back(name);
    return out;
  }

  ConvParams conv(const std::string& layer) const override {
    QuietErrors quiet;
    const KerasLayer& l = find(layer, "kernel");
    if (l.kernel_rank != 4)
      throw InputError(where_ + ": '" + l.datasets.at("kernel") + "' has rank " + std::to_string(l.kernel_rank) +
                       ", a convolution kernel needs 4 [kh,kw,in,out]");
    auto bias = l.datasets.find("bias");
    return make_conv_params(hwio_to_oihw(read("kernel", l)),
                            bias == l.datasets.end() ? torch::Tensor() : read("bias", l), where_,
                            bias == l.datasets.end() ? "" : bias->second);
  }

  BatchNormParams batch_norm(const std::string& layer) const override {
    QuietErrors quiet;
    const KerasLayer& l = find(layer, "moving_mean");
    BatchNormParams p;
    p.mean = read("moving_mean", l);
    const int64_t n = p.mean.numel();
    auto vector = [&](const std::string& role, double absent) {
      if (!l.datasets.count(role)) return torch::full({n}, absent);  // built with scale/center=False
      torch::Tensor t = read(role, l);
      if (t.dim() != 1 || t.size(0) != n)
        throw InputError(where_ + ": '" + l.datasets.at(role) + "' has shape " + shape_text(t.sizes()) +
                         " but the layer has " + std::to_string(n) + " channels");
      return t;
    };
    p.variance = vector("moving_variance", 1.0);
    p.gamma = vector("gamma", 1.0);
    p.beta = vector("beta", 0.0);
    return p;
  }

  std::string format() const override { return "Keras HDF5"; }

 private:
  const KerasLayer& find(const std::string& layer, const std::string& role) const {
    auto it = layers_.find(layer);
    if (it == layers_.end()) throw InputError("no layer '" + layer + "' in " + where_);
    if (!it->second.datasets.count(role))
      throw InputError(where_ + ": layer '" + layer + "' has no " + role + " weight");
    return it->second;
  }

  torch::Tensor read(const std::string& role, const KerasLayer& layer) const {
    const std::string& path = layer.datasets.at(role);
    Handle dataset(H5Dopen2(root_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset) throw InputError(where_ + ": dataset '" + path + "' named in weight_names is missing");
    Handle type(H5Dget_type(dataset.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT)
      throw InputError(where_ + ": dataset '" + path + "' is not floating-point; only float16/32/64 are supported");
    Handle space(H5Dget_space(dataset.get()), H5Sclose);
    std::vector<hsize_t> dims(static_cast<size_t>(std::max(0, H5Sget_simple_extent_ndims(space.get()))));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    // The declared shape is checked before it is allocated: the largest layer of any network here
    // (VGG's fc6) has 103 million weights.
    uint64_t numel = 1;
    for (hsize_t d : dims)
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel) || numel > kMaxElements)
        throw InputError(where_ + ": dataset '" + path + "' declares more than " + std::to_string(kMaxElements) +
                         " values (damaged file?)");
    torch::Tensor t = torch::empty(std::vector<int64_t>(dims.begin(), dims.end()), torch::kFloat32);
    // HDF5 converts float16 and float64 to the requested native float itself.
    if (H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0)
      throw InputError(where_ + ": dataset '" + path + "' cannot be read: " + hdf5_error());
    return t;
  }

  std::string where_;
  Handle file_, root_;
  std::vector<std::string> order_;
  std::map<std::string, KerasLayer> layers_;
};

int dataset_rank(hid_t root, const std::string& path) {
  Handle dataset(H5Dopen2(root, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) return -1;
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  return H5Sget_simple_extent_ndims(space.get());
}

}  // namespace

std::unique_ptr<WeightSource> open_keras_h5_weights(const fs::path& path) {
  const std::string where = "Keras HDF5 file " + path.string();
  QuietErrors quiet;
  Handle file(H5Fopen(path.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file) throw InputError(where + " cannot be opened as HDF5: " + hdf5_error());
  // A whole-model save keeps the weights-only layout under /model_weights.
  const bool full_model = H5Lexists(file.get(), "model_weights", H5P_DEFAULT) > 0;
  Handle root(H5Gopen2(file.get(), full_model ? "model_weights" : "/", H5P_DEFAULT), H5Gclose);
  if (!root) throw InputError(where + ": cannot open its weights group: " + hdf5_error());
  const std::string root_name = full_model ? "group 'model_weights'" : "the root group";
  const auto names = string_attribute(root.get(), "layer_names", where + ", " + root_name + ",");
  if (!names)
    throw InputError(where + " has no 'layer_names' attribute in " + root_name +
                     ": not a Keras 2 weights file (Keras 3 .weights.h5 files are not supported)");

  std::map<std::string, KerasLayer> layers;
  for (const auto& name : *names) {
    Handle group(H5Gopen2(root.get(), name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group) throw InputError(where + ": layer '" + name + "' is listed in layer_names but has no group");
    const auto weights = string_attribute(group.get(), "weight_names", where + ", layer '" + name + "',");
    if (!weights) throw InputError(where + ": layer '" + name + "' has no 'weight_names' attribute");
    KerasLayer layer;
    for (const auto& w : *weights) {
      const std::string dataset = name + "/" + w;
      if (!layer.datasets.emplace(weight_role(w), dataset).second)
        throw InputError(where + ": layer '" + name + "' has two weights of kind '" + weight_role(w) + "'");
    }
    if (auto k = layer.datasets.find("kernel"); k != layer.datasets.end()) {
      layer.kernel_rank = dataset_rank(root.get(), k->second);
      if (layer.kernel_rank < 0)
        throw InputError(where + ": dataset '" + k->second + "' named in weight_names is missing");
    }
    if (!layers.emplace(name, std::move(layer)).second)
      throw InputError(where + ": layer '" + name + "' is listed twice in layer_names");
  }
  return std::make_unique<KerasH5Source>(where, std::move(file), std::move(root), *names, std::move(layers));
}

}  // namespace impasto
