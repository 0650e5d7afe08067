#include "weights/tfjs_reader.h"

#include <impasto/errors.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "weights/conv_params.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Group {
  std::vector<fs::path> shards;  // concatenated in order
  uint64_t nbytes = 0;           // what the manifest says the shards hold together
};

struct Entry {
  std::vector<int64_t> shape;
  std::string dtype;  // "float32", or e.g. "int32", "float32 quantized as uint8"
  size_t group = 0;
  uint64_t offset = 0;  // within the group's concatenated shards
  uint64_t nbytes = 0;
};

uint64_t bytes_per_element(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes{{"float32", 4}, {"int32", 4},  {"bool", 1},
                                                     {"uint8", 1},   {"uint16", 2}, {"float16", 2}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

class TfjsSource : public WeightSource {
 public:
  explicit TfjsSource(const fs::path& model_json) : json_(model_json) {
    std::ifstream in(model_json);
    if (!in) throw InputError("cannot read " + where());
    json doc;
    try {
      in >> doc;
      parse_manifest(doc.at("weightsManifest"));
      parse_batch_norm_epsilons(doc.value("modelTopology", json::object()));
    } catch (const json::exception& e) {
      throw InputError(where() + " is not a valid TensorFlow.js model.json: " + e.what());
    }
    check_shards();
  }

  // Kernels whose shard files are all present: a partial download still offers its layers.
  std::vector<std::string> layers() const override {
    std::vector<std::string> out;
    for (const auto& name : order_) {
      const auto slash = name.rfind('/');
      if (slash == std::string::npos || name.compare(slash, std::string::npos, "/kernel") != 0) continue;
      const Entry& e = entries_.at(name);
      if (e.shape.size() == 4 && group_files_present(groups_[e.group])) out.push_back(name.substr(0, slash));
    }
    return out;
  }

  ConvParams conv(const std::string& layer) const override {
    auto k = entries_.find(layer + "/kernel");
    if (k == entries_.end()) throw InputError("no layer '" + layer + "' in " + where());
    const size_t rank = k->second.shape.size();
    if (rank != 4 && rank != 2)
      throw InputError(where() + ": '" + layer + "/kernel' has rank " + std::to_string(rank) +
                       ", a convolution kernel needs 4 [kh,kw,in,out] (or 2 [in,out] for a dense layer)");
    // A dense layer [in,out] is the 1x1 convolution [1,1,in,out].
    torch::Tensor kernel = tensor(layer + "/kernel");
    if (rank == 2) kernel = kernel.unsqueeze(0).unsqueeze(0);
    const std::string bias = layer + "/bias";
    return make_conv_params(hwio_to_oihw(kernel), entries_.count(bias) ? tensor(bias) : torch::Tensor(), where(), bias);
  }

  BatchNormParams batch_norm(const std::string& layer) const override {
    if (!entries_.count(layer + "/gamma") && !entries_.count(layer + "/moving_mean"))
      throw InputError("no batch-normalisation layer '" + layer + "' in " + where());
    BatchNormParams bn;
    bn.mean = tensor(layer + "/moving_mean");
    bn.variance = tensor(layer + "/moving_variance");
    const int64_t n = bn.mean.numel();
    // Keras omits gamma with scale=False and beta with center=False.
    bn.gamma = entries_.count(layer + "/gamma") ? tensor(layer + "/gamma") : torch::ones({n});
    bn.beta = entries_.count(layer + "/beta") ? tensor(layer + "/beta") : torch::zeros({n});
    for (const torch::Tensor& t : {bn.gamma, bn.beta, bn.variance})
      if (t.dim() != 1 || t.numel() != n)
        throw InputError(where() + ": batch-normalisation layer '" + layer + "' has parameters of different lengths");
    auto eps = epsilons_.find(layer);
    if (eps != epsilons_.end()) bn.epsilon = eps->second;
    return bn;
  }

  std::string format() const override { return "TensorFlow.js"; }

  // Any float32 tensor by its manifest name, in its manifest shape (e.g. BatchNorm parameters).
  torch::Tensor tensor(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw InputError("no tensor '" + name + "' in " + where());
    const Entry& e = it->second;
    if (e.dtype != "float32")
      throw InputError(where() + ": tensor '" + name + "' has dtype " + e.dtype +
                       "; only float32 is supported");
    torch::Tensor t = torch::empty(e.shape, torch::kFloat32);
    read_group(groups_[e.group], e.offset, static_cast<char*>(t.data_ptr()), e.nbytes);
    return t;
  }

 private:
  std::string where() const { return "TensorFlow.js model " + json_.string(); }

  // Keras stores each BatchNormalization's epsilon in the topology, not with its weights.
  void parse_batch_norm_epsilons(const json& topology) {
    const json& model = topology.contains("model_config") ? topology["model_config"] : topology;
    if (!model.is_object() || !model.contains("config") || !model["config"].is_object()) return;
    for (const json& layer : model["config"].value("layers", json::array()))
      if (layer.value("class_name", "") == "BatchNormalization" && layer.contains("config"))
        epsilons_[layer["config"].value("name", "")] = layer["config"].value("epsilon", 1e-3);
  }

  void parse_manifest(const json& manifest) {
    for (const json& g : manifest) {
      Group group;
      for (const json& p : g.at("paths")) group.shards.push_back(json_.parent_path() / p.get<std::string>());
      for (const json& w : g.at("weights")) {
        Entry e;
        const auto name = w.at("name").get<std::string>();
        e.shape = w.at("shape").get<std::vector<int64_t>>();
        e.dtype = w.value("dtype", "float32");
        std::string stored = e.dtype;
        if (w.contains("quantization")) {
          stored = w["quantization"].at("dtype").get<std::string>();
          e.dtype += " quantized as " + stored;
        }
        const uint64_t size = bytes_per_element(stored);
        if (size == 0) throw InputError(where() + ": tensor '" + name + "' has unsupported dtype " + stored);
        uint64_t nbytes = size;
        for (int64_t d : e.shape) {
          if (d < 0)
            throw InputError(where() + ": tensor '" + name + "' has negative shape " + shape_text(e.shape));
          if (__builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes) || nbytes > (uint64_t{1} << 62))
            throw InputError(where() + ": tensor '" + name + "' has shape " + shape_text(e.shape) + ", larger than any file");
        }
        e.group = groups_.size();
        e.offset = group.nbytes;
        e.nbytes = nbytes;
        group.nbytes += e.nbytes;
        if (group.nbytes > (uint64_t{1} << 62))
          throw InputError(where() + ": the tensors of group " + std::to_string(groups_.size() + 1) + " are larger than any file");
        if (!entries_.emplace(name, e).second)
          throw InputError(where() + ": tensor '" + name + "' listed twice");
        order_.push_back(name);
      }
      groups_.push_back(std::move(group));
    }
  }

  // A download that stopped leaves the manifest's last groups without any of their files: such a
  // model offers its first layers (a partial network). Anything else that model.json names and the
  // directory lacks is damage: a group with some of its shards, shards of the wrong total size, a
  // missing group followed by a present one, a shard that is not a regular file.
  void check_shards() const {
    std::error_code ec;
    size_t first_absent = groups_.size();
    for (size_t g = 0; g < groups_.size(); ++g) {
      const Group& group = groups_[g];
      size_t present = 0;
      uint64_t total = 0;
      for (const auto& shard : group.shards) {
        const auto status = fs::status(shard, ec);
        if (fs::exists(status) && !fs::is_regular_file(status))
          throw InputError(where() + ": shard file " + shard.string() + " is not a regular file");
        if (!fs::exists(status)) continue;
        ++present;
        total += fs::file_size(shard, ec);
      }
      const bool absent = present == 0 && !group.shards.empty();
      if (absent) {
        first_absent = std::min(first_absent, g);
        continue;
      }
      auto missing_shard = [&]() -> std::string {
        for (const auto& shard : group.shards)
          if (!fs::exists(shard, ec)) return shard.string();
        return {};
      };
      if (first_absent < g)
        throw InputError(where() + " is damaged: shard file " + groups_[first_absent].shards.front().string() +
                         " is missing but later groups are present");
      if (present < group.shards.size())
        throw InputError(where() + " is damaged: shard file " + missing_shard() + " is missing");
      if (total != group.nbytes)
        throw InputError(where() + " is damaged: shard file " + group.shards.back().string() +
                         (total < group.nbytes ? " is truncated" : " is too long") + ": its group holds " +
                         std::to_string(total) + " bytes, the manifest describes " + std::to_string(group.nbytes));
    }
  }

  static bool group_files_present(const Group& g) {
    std::error_code ec;
    for (const auto& s : g.shards)
      if (!fs::is_regular_file(s, ec)) return false;
    return true;
  }

  // Reads `n` bytes at `offset` of the group's shards, after checking they hold what the manifest says.
  void read_group(const Group& g, uint64_t offset, char* dst, uint64_t n) const {
    std::vector<uint64_t> sizes;
    uint64_t total = 0;
    for (const auto& s : g.shards) {
      std::error_code ec;
      sizes.push_back(fs::file_size(s, ec));
      if (ec) throw InputError(where() + ": shard file " + s.string() + " is missing or unreadable");
      total += sizes.back();
    }
    if (total != g.nbytes)
      throw InputError(where() + ": shard file " + g.shards.back().string() +
                       (total < g.nbytes ? " is truncated" : " is too long") + ": its group holds " +
                       std::to_string(total) + " bytes, the manifest describes " + std::to_string(g.nbytes));
    for (size_t i = 0; i < g.shards.size() && n > 0; ++i) {
      if (offset >= sizes[i]) {
        offset -= sizes[i];
        continue;
      }
      const uint64_t take = std::min(n, sizes[i] - offset);
      std::ifstream in(g.shards[i], std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offset));
      if (!in.read(dst, static_cast<std::streamsize>(take)))
        throw InputError(where() + ": cannot read shard file " + g.shards[i].string());
      dst += take;
      n -= take;
      offset = 0;
    }
  }

  fs::path json_;
  std::vector<std::string> order_;
  std::map<std::string, Entry> entries_;
  std::vector<Group> groups_;
  std::map<std::string, double> epsilons_;  // per BatchNormalization layer, from the topology
};

}  // namespace

std::unique_ptr<WeightSource> open_tfjs_weights(const fs::path& path) {
  return std::make_unique<TfjsSource>(fs::is_directory(path) ? path / "model.json" : path);
}

}  // namespace impasto
