#include "weights/caffe_prototxt.h"

#include <impasto/errors.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "weights/text_proto.h"

namespace impasto {
namespace {

// Legacy V1 `layers { type: ENUM }` names, in their current spelling.
const std::map<std::string, std::string>& legacy_types() {
  static const std::map<std::string, std::string> types{
      {"ABSVAL", "AbsVal"},         {"ACCURACY", "Accuracy"},       {"ARGMAX", "ArgMax"},
      {"BNLL", "BNLL"},             {"CONCAT", "Concat"},           {"CONVOLUTION", "Convolution"},
      {"DATA", "Data"},             {"DECONVOLUTION", "Deconvolution"}, {"DROPOUT", "Dropout"},
      {"DUMMY_DATA", "DummyData"},  {"ELTWISE", "Eltwise"},         {"EXP", "Exp"},
      {"FLATTEN", "Flatten"},       {"HDF5_DATA", "HDF5Data"},      {"IMAGE_DATA", "ImageData"},
      {"INNER_PRODUCT", "InnerProduct"}, {"LRN", "LRN"},            {"MEMORY_DATA", "MemoryData"},
      {"MVN", "MVN"},               {"POOLING", "Pooling"},         {"POWER", "Power"},
      {"RELU", "ReLU"},             {"SIGMOID", "Sigmoid"},         {"SILENCE", "Silence"},
      {"SLICE", "Slice"},           {"SOFTMAX", "Softmax"},         {"SOFTMAX_LOSS", "SoftmaxWithLoss"},
      {"SPLIT", "Split"},           {"TANH", "TanH"},               {"THRESHOLD", "Threshold"},
      {"WINDOW_DATA", "WindowData"}};
  return types;
}

constexpr int64_t kMaxChannels = 1 << 16;  // channels, groups and input dimensions
constexpr int64_t kMaxExtent = 1024;       // kernel sizes, strides, dilations, paddings, LRN sizes

class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  CaffeNet net(const TextMessage& root) const {
    CaffeNet net;
    if (auto f = root.first("name")) net.name = f->value;
    if (auto f = root.first("input")) net.input = f->value;
    for (auto f : root.all("input_dim")) net.input_shape.push_back(bounded(*f, 1, kMaxChannels));
    if (auto shape = root.first("input_shape")) net.input_shape = dims(*shape);
    for (const auto& f : root.fields) {
      if (f.name != "layer" && f.name != "layers") continue;
      if (!f.is_message) fail(f, "'" + f.name + "' must be a block");
      net.layers.push_back(layer(f.message));
      const CaffeLayer& l = net.layers.back();
      if (l.type == "Input" && net.input.empty() && !l.tops.empty()) {
        net.input = l.tops.front();
        if (auto param = f.message.first("input_param"))
          if (auto shape = param->message.first("shape")) net.input_shape = dims(*shape);
      }
    }
    return net;
  }

 private:
  [[noreturn]] void fail(const TextField& f, const std::string& what) const {
    throw InputError(where_ + ":" + std::to_string(f.line) + ": " + what);
  }

  int64_t integer(const TextField& f) const {
    try {
      size_t used = 0;
      const int64_t v = std::stoll(f.value, &used, 0);
      if (used == f.value.size() && !f.quoted && !f.is_message) return v;
    } catch (const std::exception&) {
    }
    fail(f, "'" + f.name + "' must be an integer, got '" + f.value + "'");
  }

  // Sizes are checked against sane bounds here, before anything is allocated from them: no network
  // has a million output channels or a kernel wider than an image.
  int bounded(const TextField& f, int64_t low, int64_t high) const {
    const int64_t v = integer(f);
    if (v < low || v > high)
      fail(f, "'" + f.name + "' must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " +
                  std::to_string(v));
    return static_cast<int>(v);
  }
  int channels(const TextField& f) const { return bounded(f, 1, kMaxChannels); }
  int extent(const TextField& f) const { return bounded(f, 1, kMaxExtent); }
  int padding(const TextField& f) const { return bounded(f, 0, kMaxExtent); }

  double finite_real(const TextField& f) const {
    const double v = real(f);
    if (!std::isfinite(v)) fail(f, "'" + f.name + "' must be a finite number, got '" + f.value + "'");
    return v;
  }

  double real(const TextField& f) const {
    std::istringstream in(f.value);
    in.imbue(std::locale::classic());
    double v = 0;
    if (!f.quoted && !f.is_message && in >> v && in.peek() == std::char_traits<char>::eof()) return v;
    fail(f, "'" + f.name + "' must be a number, got '" + f.value + "'");
  }

  bool boolean(const TextField& f) const {
    if (f.value == "true" || f.value == "1") return true;
    if (f.value == "false" || f.value == "0") return false;
    fail(f, "'" + f.name + "' must be true or false, got '" + f.value + "'");
  }

  std::vector<int64_t> dims(const TextField& shape) const {
    if (!shape.is_message) fail(shape, "'" + shape.name + "' must be a block { dim: ... }");
    std::vector<int64_t> out;
    for (auto d : shape.message.all("dim")) out.push_back(bounded(*d, 1, kMaxChannels));
    return out;
  }

  // A size given as `single: n` (both axes; a repeated `single` is h then w) or `prefix_h`/`prefix_w`.
  void size_pair(const TextMessage& m, const std::string& single, const std::string& prefix, int& h, int& w,
                 int (Reader::*read)(const TextField&) const) const {
    const auto values = m.all(single);
    if (values.size() == 1) h = w = (this->*read)(*values[0]);
    if (values.size() >= 2) {
      h = (this->*read)(*values[0]);
      w = (this->*read)(*values[1]);
    }
    if (auto f = m.first(prefix + "_h")) h = (this->*read)(*f);
    if (auto f = m.first(prefix + "_w")) w = (this->*read)(*f);
  }

  CaffeConvolution convolution(const TextMessage& m) const {
    CaffeConvolution c;
    if (auto f = m.first("num_output")) c.num_output = channels(*f);
    size_pair(m, "kernel_size", "kernel", c.kernel_h, c.kernel_w, &Reader::extent);
    size_pair(m, "stride", "stride", c.stride_h, c.stride_w, &Reader::extent);
    size_pair(m, "pad", "pad", c.pad_h, c.pad_w, &Reader::padding);
    if (auto f = m.first("dilation")) c.dilation = extent(*f);
    if (auto f = m.first("group")) c.group = channels(*f);
    if (auto f = m.first("bias_term")) c.bias_term = boolean(*f);
    return c;
  }

  CaffePooling pooling(const TextMessage& m) const {
    CaffePooling p;
    if (auto f = m.first("pool")) p.pool = f->value;
    size_pair(m, "kernel_size", "kernel", p.kernel_h, p.kernel_w, &Reader::extent);
    size_pair(m, "stride", "stride", p.stride_h, p.stride_w, &Reader::extent);
    size_pair(m, "pad", "pad", p.pad_h, p.pad_w, &Reader::padding);
    if (auto f = m.first("global_pooling")) p.global_pooling = boolean(*f);
    return p;
  }

  CaffeLrn lrn(const TextMessage& m) const {
    CaffeLrn l;
    if (auto f = m.first("local_size")) l.local_size = extent(*f);
    if (auto f = m.first("alpha")) l.alpha = finite_real(*f);
    if (auto f = m.first("beta")) l.beta = finite_real(*f);
    if (auto f = m.first("k")) l.k = finite_real(*f);
    if (auto f = m.first("norm_region")) l.within_channel = f->value == "WITHIN_CHANNEL";
    return l;
  }

  // The parameter block `name`, or an empty message when the layer has none.
  const TextMessage& block(const TextMessage& layer, const std::string& name) const {
    static const TextMessage empty;
    const TextField* f = layer.first(name);
    if (f && !f->is_message) fail(*f, "'" + name + "' must be a block");
    return f ? f->message : empty;
  }

  CaffeLayer layer(const TextMessage& m) const {
    CaffeLayer l;
    if (auto f = m.first("name")) l.name = f->value;
    if (auto f = m.first("type")) {
      l.type = f->value;
      auto legacy = legacy_types().find(l.type);
      if (!f->quoted && legacy != legacy_types().end()) l.type = legacy->second;
    }
    for (auto f : m.all("bottom")) l.bottoms.push_back(f->value);
    for (auto f : m.all("top")) l.tops.push_back(f->value);
    l.convolution = convolution(block(m, "convolution_param"));
    l.pooling = pooling(block(m, "pooling_param"));
    l.lrn = lrn(block(m, "lrn_param"));
    const TextMessage& concat = block(m, "concat_param");
    if (auto f = concat.first("axis")) l.concat_axis = bounded(*f, -4, 3);
    if (auto f = concat.first("concat_dim")) l.concat_axis = bounded(*f, 0, 3);  // legacy spelling
    if (auto f = block(m, "inner_product_param").first("num_output")) l.inner_product_outputs = bounded(*f, 1, 1 << 20);
    return l;
  }

  std::string where_;
};

bool keeps_channels(const std::string& type) {
  static const char* const types[] = {"ReLU",   "PReLU", "ELU",       "Sigmoid", "TanH",  "AbsVal", "BNLL",
                                      "Power",  "Exp",   "Threshold", "Dropout", "LRN",   "Pooling", "Split",
                                      "BatchNorm", "Scale", "Bias",   "Eltwise", "MVN"};
  for (const char* t : types)
    if (type == t) return true;
  return false;
}

}  // namespace

const CaffeLayer* CaffeNet::find(const std::string& layer_name) const {
  for (const auto& l : layers)
    if (l.name == layer_name) return &l;
  return nullptr;
}

CaffeNet parse_caffe_prototxt(const std::string& text, const std::string& where) {
  return Reader(where).net(parse_text_proto(text, where));
}

CaffeNet read_caffe_prototxt(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read Caffe prototxt " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_caffe_prototxt(text.str(), "Caffe prototxt " + path.string());
}

std::map<std::string, std::array<int64_t, 4>> caffe_convolution_shapes(const CaffeNet& net) {
  std::map<std::string, int64_t> channels;  // by blob; absent = unknown
  if (!net.input.empty() && net.input_shape.size() >= 2) channels[net.input] = net.input_shape[1];
  auto known = [&](const std::string& blob) -> int64_t {
    auto it = channels.find(blob);
    return it == channels.end() ? -1 : it->second;
  };
  std::map<std::string, std::array<int64_t, 4>> shapes;
  for (const auto& l : net.layers) {
    int64_t out = -1;
    if (l.type == "Convolution") {
      const auto& c = l.convolution;
      const int64_t in = l.bottoms.empty() ? -1 : known(l.bottoms.front());
      if (in > 0 && c.group > 0 && in % c.group == 0)
        shapes[l.name] = {c.num_output, in / c.group, c.kernel_h, c.kernel_w};
      out = c.num_output;
    } else if (l.type == "Concat" && l.concat_axis == 1) {
      out = 0;
      for (const auto& b : l.bottoms) out = (out < 0 || known(b) < 0) ? -1 : out + known(b);
    } else if (keeps_channels(l.type) && !l.bottoms.empty()) {
      out = known(l.bottoms.front());
    } else if (l.type == "Input" || l.type == "Data") {
      continue;  // the input's channels are set above
    }
    for (const auto& t : l.tops) {
      if (out >= 0) channels[t] = out;
      else channels.erase(t);
    }
  }
  return shapes;
}

}  // namespace impasto
