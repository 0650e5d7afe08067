#include "weights/mat_reader.h"

#include <impasto/errors.h>
#include <matio.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include "weights/input_convention.h"
#include "weights/mapped_file.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMiMatrix = 14;
constexpr int kMaxNesting = 32;  // cells and structs within each other; MatConvNet's go 3 deep

// One data element of a level-5 MAT-file within [at, end): its type and data, or nothing when it
// does not fit (the walk below then stops; matio reports what is wrong).
struct Element {
  uint32_t type = 0;
  const char* data = nullptr;
  uint64_t size = 0;
  const char* next = nullptr;
};

std::optional<Element> element_at(const char* at, const char* end, bool swapped) {
  if (end - at < 8) return std::nullopt;
  uint32_t word[2];
  std::memcpy(word, at, 8);
  if (swapped) word[0] = __builtin_bswap32(word[0]), word[1] = __builtin_bswap32(word[1]);
  Element e;
  if (word[0] >> 16) {  // small data element: 2-byte size, 2-byte type, up to 4 bytes of data
    e.type = word[0] & 0xffff;
    e.size = word[0] >> 16;
    e.data = at + 4;
    e.next = at + 8;
    return e.size <= 4 ? std::optional<Element>(e) : std::nullopt;
  }
  e.type = word[0];
  e.size = word[1];
  e.data = at + 8;
  const uint64_t padded = (e.size + 7) / 8 * 8;
  if (padded > static_cast<uint64_t>(end - e.data)) return std::nullopt;
  e.next = e.data + padded;
  return e;
}

// matio reads cells and structs by recursion: a file nesting them 100000 deep would overflow the
// stack. Walks the uncompressed arrays (compressed ones are inflated by matio first) to their depth.
void check_nesting(const Element& matrix, bool swapped, int depth, const std::string& where) {
  if (depth > kMaxNesting)
    throw InputError(where + " is damaged: cells or structs nested more than " + std::to_string(kMaxNesting) + " deep");
  const char* at = matrix.data;
  const char* end = matrix.data + matrix.size;
  const auto flags = element_at(at, end, swapped);
  if (!flags || flags->size < 4) return;
  uint32_t first;
  std::memcpy(&first, flags->data, 4);
  if (swapped) first = __builtin_bswap32(first);
  const uint32_t array_class = first & 0xff;  // 1 cell, 2 struct, 3 object
  if (array_class < 1 || array_class > 3) return;
  // dims, name, then for structs the field name length and names (objects: the class name first)
  int header_elements = array_class == 1 ? 2 : array_class == 2 ? 4 : 5;
  at = flags->next;
  for (; header_elements > 0; --header_elements) {
    const auto e = element_at(at, end, swapped);
    if (!e) return;
    at = e->next;
  }
  while (at < end) {
    const auto e = element_at(at, end, swapped);
    if (!e) return;
    if (e->type == kMiMatrix) check_nesting(*e, swapped, depth + 1, where);
    at = e->next;
  }
}

// matio reads a cut-off file as fewer variables or arrays without data, so walk the top-level
// element tags first: each must fit in the file.
void check_complete(const fs::path& path, const std::string& where) {
  const MappedFile file(path);
  if (file.size() < 128) throw InputError(where + " is truncated inside its 128-byte header");
  const char* begin = file.data();
  const bool swapped = begin[126] == 'M' && begin[127] == 'I';
  const uint64_t size = file.size();
  for (uint64_t pos = 128; pos < size;) {
    if (size - pos < 8) throw InputError(where + " is truncated: incomplete variable tag at byte " + std::to_string(pos));
    uint32_t tag[2];
    std::memcpy(tag, begin + pos, 8);
    const uint32_t type = swapped ? __builtin_bswap32(tag[0]) : tag[0];
    const uint64_t n = swapped ? __builtin_bswap32(tag[1]) : tag[1];
    if (pos + 8 + n > size)
      throw InputError(where + " is truncated: the variable at byte " + std::to_string(pos) + " needs " +
                       std::to_string(n) + " bytes, " + std::to_string(size - pos - 8) + " remain");
    if (type == kMiMatrix) check_nesting(Element{type, begin + pos + 8, n, nullptr}, swapped, 1, where);
    pos += 8 + n;
  }
}

struct MatCloser {
  void operator()(mat_t* m) const { Mat_Close(m); }
};
struct VarFreer {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};
using MatVarPtr = std::unique_ptr<matvar_t, VarFreer>;

int64_t element_count(const matvar_t* v) {
  int64_t n = 1;
  for (int d = 0; d < v->rank; ++d) n *= static_cast<int64_t>(v->dims[d]);
  return n;
}

std::string dims_text(const matvar_t* v) {
  std::string s;
  for (int d = 0; d < v->rank; ++d) s += (d ? "x" : "") + std::to_string(v->dims[d]);
  return s;
}

const float* single_data(const matvar_t* v, const std::string& what) {
  if (v == nullptr || v->class_type != MAT_C_SINGLE || v->isComplex)
    throw InputError(what + " is not a real single-precision array");
  if (v->data == nullptr && element_count(v) > 0) throw InputError(what + " has no data (corrupt file)");
  return static_cast<const float*>(v->data);
}

// The arrays of one convolution, owned by the variables the source keeps.
struct ConvArrays {
  const matvar_t* kernel;
  const matvar_t* bias;
  std::string where;  // file and layer, for messages
};

// Checks the arrays without converting them: a broken file fails when opened, not when used.
void check_conv(const ConvArrays& c) {
  single_data(c.kernel, c.where + " kernel");
  single_data(c.bias, c.where + " bias");
  // MATLAB drops trailing singleton dimensions, so a [3,3,3,1] kernel is stored as rank 3.
  if (c.kernel->rank < 2 || c.kernel->rank > 4)
    throw InputError(c.where + ": kernel must be 4-D [kh,kw,in,out], got " + dims_text(c.kernel));
  const int64_t out = c.kernel->rank == 4 ? static_cast<int64_t>(c.kernel->dims[3]) : 1;
  if (element_count(c.bias) != out)
    throw InputError(c.where + ": bias has " + std::to_string(element_count(c.bias)) + " elements but the kernel " +
                     dims_text(c.kernel) + " has " + std::to_string(out) + " output channels");
}

ConvParams convert(const ConvArrays& c) {
  int64_t dims[4] = {1, 1, 1, 1};
  for (int d = 0; d < c.kernel->rank; ++d) dims[d] = static_cast<int64_t>(c.kernel->dims[d]);
  const int64_t kh = dims[0], kw = dims[1], in = dims[2], out = dims[3];
  // Column-major [kh][kw][in][out] is row-major [out][in][kw][kh]; swap the last two.
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor w = torch::from_blob(c.kernel->data, {out, in, kw, kh}, opts)
                        .permute({0, 1, 3, 2})
                        .clone(at::MemoryFormat::Contiguous);  // owns its data even when permute is a no-op (1x1)
  torch::Tensor bias = torch::from_blob(c.bias->data, {out}, opts).clone();
  return {w, bias};
}

// Element i of a cell, or nullptr where a damaged file left the cell without its pointers (matio
// indexes them unchecked).
const matvar_t* cell_at(const matvar_t* cell, int64_t i) {
  if (cell == nullptr || cell->class_type != MAT_C_CELL || cell->data == nullptr || i >= element_count(cell) ||
      cell->nbytes < static_cast<size_t>(i + 1) * sizeof(matvar_t*))
    return nullptr;
  return Mat_VarGetCell(const_cast<matvar_t*>(cell), static_cast<int>(i));
}

// {kernel, bias} from a 1x2 cell.
ConvArrays cell_pair(const matvar_t* cell, const std::string& where) {
  if (cell == nullptr || cell->class_type != MAT_C_CELL || element_count(cell) != 2)
    throw InputError(where + ": expected a 1x2 cell {kernel, bias}, got " +
                     (cell && cell->class_type == MAT_C_CELL ? "a " + dims_text(cell) + " cell" : "something else"));
  return {cell_at(cell, 0), cell_at(cell, 1), where};
}

std::string char_text(const matvar_t* v) {
  if (v == nullptr || v->class_type != MAT_C_CHAR || v->data == nullptr) return "";
  const auto n = static_cast<size_t>(element_count(v));
  std::string s;
  if (v->data_type == MAT_T_UINT16 || v->data_type == MAT_T_UTF16 || v->data_type == MAT_T_INT16) {
    const auto* p = static_cast<const uint16_t*>(v->data);
    for (size_t i = 0; i < n; ++i) s += p[i] < 128 ? static_cast<char>(p[i]) : '?';
  } else {
    s.assign(static_cast<const char*>(v->data), std::min(n, v->nbytes));
  }
  return s;
}

const matvar_t* field(const matvar_t* s, const char* name) {
  // matio indexes the struct's field pointers without checking that a damaged file gave it any.
  const size_t fields = s ? Mat_VarGetNumberOfFields(const_cast<matvar_t*>(s)) : 0;
  if (s == nullptr || s->class_type != MAT_C_STRUCT || s->data == nullptr || fields == 0 || element_count(s) < 1 ||
      s->nbytes < fields * sizeof(matvar_t*))
    return nullptr;
  return Mat_VarGetStructFieldByName(const_cast<matvar_t*>(s), name, 0);
}

// MatConvNet (SimpleNN): `layers` is a cell of structs {name, type, weights = {filter, bias}}, or
// {name, type, filters, biases} in older releases. Only type 'conv' has weights; fully connected
// layers are convolutions there too.
bool is_matconvnet_layers(const matvar_t* var) {
  if (var->name == nullptr || std::string(var->name) != "layers" || var->class_type != MAT_C_CELL) return false;
  const matvar_t* first = element_count(var) > 0 ? cell_at(var, 0) : nullptr;
  return first != nullptr && first->class_type == MAT_C_STRUCT;
}

void add_matconvnet_layers(const matvar_t* layers, const std::string& where,
                           std::vector<std::pair<std::string, ConvArrays>>& out) {
  for (int64_t i = 0; i < element_count(layers); ++i) {
    const matvar_t* s = cell_at(layers, i);
    const std::string at = where + ", layers{" + std::to_string(i + 1) + "}";
    if (s == nullptr || s->class_type != MAT_C_STRUCT) throw InputError(at + " is not a struct");
    if (char_text(field(s, "type")) != "conv") continue;
    const std::string name = char_text(field(s, "name"));
    if (name.empty()) throw InputError(at + ": a conv layer without a 'name'");
    const std::string layer = at + " '" + name + "'";
    if (const matvar_t* weights = field(s, "weights")) {
      out.emplace_back(name, cell_pair(weights, layer + " weights"));
    } else if (field(s, "filters") != nullptr) {
      out.emplace_back(name, ConvArrays{field(s, "filters"), field(s, "biases"), layer});
    } else {
      throw InputError(layer + ": a conv layer with neither 'weights' nor 'filters'");
    }
  }
}

// The per-channel mean (RGB) of MatConvNet's averageImage: three values (1x1x3, 1x3 or 3x1), or in
// older releases a whole HxWx3 mean image, averaged per channel. Nothing for other shapes or types.
std::optional<std::array<double, 3>> channel_means(const matvar_t* v) {
  if (v == nullptr || v->isComplex || v->data == nullptr || v->rank < 1) return std::nullopt;
  const int64_t n = element_count(v);
  if (n < 3 || n % 3 != 0 || (n > 3 && v->dims[v->rank - 1] != 3)) return std::nullopt;
  const size_t element = v->class_type == MAT_C_DOUBLE ? 8 : v->class_type == MAT_C_SINGLE ? 4 : 1;
  if (v->class_type != MAT_C_DOUBLE && v->class_type != MAT_C_SINGLE && v->class_type != MAT_C_UINT8) return std::nullopt;
  if (v->nbytes < static_cast<size_t>(n) * element) return std::nullopt;
  auto value = [&](int64_t i) -> double {
    if (v->class_type == MAT_C_DOUBLE) return static_cast<const double*>(v->data)[i];
    if (v->class_type == MAT_C_SINGLE) return static_cast<const float*>(v->data)[i];
    return static_cast<const uint8_t*>(v->data)[i];
  };
  // Column-major with the channel last: each channel's values are one contiguous block.
  const int64_t per_channel = n / 3;
  std::array<double, 3> mean{};
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < per_channel; ++i) sum += value(c * per_channel + i);
    mean[c] = sum / static_cast<double>(per_channel);
  }
  return mean;
}

// The averageImage of `meta.normalization` (current MatConvNet) or of a top-level `normalization`
// (the releases before meta), when this variable is one of those.
std::optional<std::array<double, 3>> average_image_mean(const matvar_t* var) {
  if (var->name == nullptr || var->class_type != MAT_C_STRUCT) return std::nullopt;
  const std::string name = var->name;
  const matvar_t* normalization = name == "meta" ? field(var, "normalization") : name == "normalization" ? var : nullptr;
  if (normalization == nullptr || normalization->class_type != MAT_C_STRUCT) return std::nullopt;
  return channel_means(field(normalization, "averageImage"));
}

class MatSource : public WeightSource {
 public:
  MatSource(std::filesystem::path path, std::vector<MatVarPtr> vars,
            std::vector<std::pair<std::string, ConvArrays>> convs, std::optional<InputConvention> input)
      : path_(std::move(path)), vars_(std::move(vars)), input_(std::move(input)) {
    for (auto& [name, arrays] : convs) {
      check_conv(arrays);
      if (!convs_.emplace(name, arrays).second)
        throw InputError("MAT-file " + path_.string() + " has two layers named '" + name + "'");
      order_.push_back(name);
    }
  }

  std::vector<std::string> layers() const override { return order_; }
  ConvParams conv(const std::string& layer) const override {
    auto it = convs_.find(layer);
    if (it == convs_.end()) throw InputError("no layer '" + layer + "' in MAT-file " + path_.string());
    return convert(it->second);
  }
  std::string format() const override { return "MAT-file"; }
  std::optional<InputConvention> input_convention() const override { return input_; }

 private:
  std::filesystem::path path_;
  std::vector<MatVarPtr> vars_;  // the arrays below point into these
  std::optional<InputConvention> input_;
  std::vector<std::string> order_;
  std::map<std::string, ConvArrays> convs_;
};

}  // namespace

std::unique_ptr<WeightSource> open_mat_weights(const std::filesystem::path& path) {
  const std::string where = "MAT-file " + path.string();
  std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(path.string().c_str(), MAT_ACC_RDONLY));
  if (!mat) throw InputError(where + " cannot be opened as a MATLAB level-5 MAT-file");
  if (Mat_GetVersion(mat.get()) != MAT_FT_MAT5)
    throw InputError(where + " is not a level-5 MAT-file (v7.3/HDF5 and v4 are not supported)");
  check_complete(path, where);

  std::vector<MatVarPtr> vars;
  std::vector<std::pair<std::string, ConvArrays>> convs;
  bool matconvnet = false;
  std::optional<std::array<double, 3>> average_image;
  // Other variables (metadata, MatConvNet's `meta`) are not layers and are skipped.
  while (MatVarPtr var{Mat_VarReadNext(mat.get())}) {
    if (auto mean = average_image_mean(var.get())) average_image = mean;
    if (var->class_type != MAT_C_CELL || var->name == nullptr) continue;
    if (is_matconvnet_layers(var.get())) {
      add_matconvnet_layers(var.get(), where, convs);
      matconvnet = true;
    } else  // one top-level 1x2 cell {kernel, bias} per layer, named after it
      convs.emplace_back(var->name, cell_pair(var.get(), where + ", layer '" + std::string(var->name) + "'"));
    vars.push_back(std::move(var));
  }
  if (convs.empty())
    throw InputError(where + " holds no layers (top-level 1x2 cells {kernel, bias}, or MatConvNet's `layers`)");
  // MatConvNet models take RGB 0..255 minus their averageImage; without one, the VGG releases' mean. The SqueezeNet layout says nothing: Caffe's default.
  std::optional<InputConvention> input;
  if (matconvnet) input = average_image ? matconvnet_input(*average_image) : matconvnet_input();
  return std::make_unique<MatSource>(path, std::move(vars), std::move(convs), std::move(input));
}

}  // namespace impasto
