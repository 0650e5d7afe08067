#include "weights/mat_reader.h"

#include <impasto/errors.h>
#include <matio.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <new>
#include <optional>

#include "weights/input_convention.h"
#include "weights/mapped_file.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMiInt8 = 1, kMiInt32 = 5, kMiUint32 = 6, kMiMatrix = 14, kMiCompressed = 15;
constexpr int kMaxNesting = 32;  // cells and structs within each other; MatConvNet's go 3 deep

// The content of one top-level variable in order: as stored, or inflated from a miCOMPRESSED element
// a piece at a time (a variable may hold hundreds of MB).
class VariableBytes {
 public:
  VariableBytes(const char* data, uint64_t size, bool compressed)
      : at_(data), end_(data + size), compressed_(compressed) {
    if (!compressed_) return;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(size);  // element sizes are 32-bit
    if (inflateInit(&z_) != Z_OK) throw std::bad_alloc();
  }
  ~VariableBytes() {
    if (compressed_) inflateEnd(&z_);
  }
  VariableBytes(const VariableBytes&) = delete;
  VariableBytes& operator=(const VariableBytes&) = delete;

  // The next n bytes into out, or skipped when out is nullptr; false when there are not that many.
  bool next(void* out, uint64_t n) {
    if (!compressed_) {
      if (n > static_cast<uint64_t>(end_ - at_)) return false;
      if (out) std::memcpy(out, at_, n);
      at_ += n;
      return true;
    }
    Bytef scratch[16384];
    auto* to = static_cast<Bytef*>(out);
    while (n > 0) {
      const uint64_t chunk = std::min<uint64_t>(n, to ? UINT32_MAX : sizeof scratch);
      z_.next_out = to ? to : scratch;
      z_.avail_out = static_cast<uInt>(chunk);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const uint64_t got = chunk - z_.avail_out;
      n -= got;
      if (to) to += got;
      if (n > 0 && rc != Z_OK) return false;  // the end of the stream, a corrupt stream, or no input left
    }
    return true;
  }

 private:
  const char* at_;
  const char* end_;
  bool compressed_;
  z_stream z_{};
};

uint64_t padded(uint64_t n) { return (n + 7) / 8 * 8; }

// Bytes per value of a numeric data type (MATLAB may store numbers in a smaller type); 0 for others.
uint64_t value_size(uint32_t type) {
  switch (type) {
    case 1: case 2: case 16: return 1;          // int8, uint8, utf8
    case 3: case 4: case 17: return 2;          // int16, uint16, utf16
    case 5: case 6: case 7: case 18: return 4;  // int32, uint32, single, utf32
    case 9: case 12: case 13: return 8;         // double, int64, uint64
    default: return 0;
  }
}

// Walks the `size` bytes of one array (a miMATRIX element's data) as matio will read it, refusing
// what makes matio crash, allocate without bound or hand back garbage: an element running past its
// array (a struct's field names cut off this way leave matio with their count but no names), a cell
// or struct declaring more elements or fields than its bytes can hold (matio allocates all of them
// first), numbers or text with less data than their dimensions, or cells and structs nested deeper
// than kMaxNesting (matio recurses: 100000 levels overflow the stack).
void check_array(VariableBytes& in, uint64_t size, bool swapped, int depth, const std::string& where) {
  if (depth > kMaxNesting)
    throw InputError(where + " is damaged: cells or structs nested more than " + std::to_string(kMaxNesting) + " deep");
  const auto damaged = [&](const std::string& what) { return InputError(where + " is damaged: " + what); };
  uint64_t left = size;
  const auto read = [&](void* out, uint64_t n) {
    if (n > left) throw damaged("an element runs past the end of its array");
    if (!in.next(out, n)) throw damaged("its data ends early (cut off, or corrupt compressed data)");
    left -= n;
  };
  const auto u32 = [&] {
    uint32_t v;
    read(&v, 4);
    return swapped ? __builtin_bswap32(v) : v;
  };
  // The next element's tag: its type, and its data size in n. A small element's data (in the tag)
  // is read into `value`; the data of any other follows, padded to 8 bytes (skip_data).
  bool small = false;
  uint32_t value = 0;
  uint64_t n = 0;
  const auto tag = [&] {
    const uint32_t word = u32();
    small = word >> 16 != 0;  // 2-byte size, 2-byte type, up to 4 bytes of data
    if (small) {
      n = word >> 16;
      value = u32();
      if (n > 4) throw damaged("a small element of " + std::to_string(n) + " bytes");
      return word & 0xffff;
    }
    n = u32();
    if (padded(n) > left) throw damaged("an element of " + std::to_string(n) + " bytes runs past the end of its array");
    return word;
  };
  const auto skip_data = [&] {
    if (!small) read(nullptr, padded(n));
  };

  if (tag() != kMiUint32 || n != 8) throw damaged("an array without its flags");
  const uint32_t array_class = u32() & 0xff;
  u32();
  const bool container = array_class >= 1 && array_class <= 3;                       // cell, struct, object
  const bool numeric = array_class == 4 || (array_class >= 6 && array_class <= 15);  // text, numbers
  if (!container && !numeric) {  // sparse, function handle, ...: data elements
    while (left > 0) tag(), skip_data();
    return;
  }
  if (tag() != kMiInt32 || small || n == 0 || n % 4 != 0) throw damaged("an array without its dimensions");
  uint64_t elements = 1;
  for (uint64_t d = 0; d < n / 4; ++d) elements = std::min<uint64_t>(elements * u32(), size);
  read(nullptr, padded(n) - n);
  if (tag() != kMiInt8) throw damaged("an array without its name");
  skip_data();
  if (numeric) {
    // matio allocates what the dimensions say and reads what the data holds: the rest would be garbage.
    if (left == 0 && elements == 0) return;
    const uint64_t bytes_per_value = value_size(tag());
    if (bytes_per_value == 0) throw damaged("an array of data of an unknown type");
    if (n / bytes_per_value < elements) throw damaged("an array whose data is shorter than its dimensions");
    skip_data();
    while (left > 0) tag(), skip_data();  // the imaginary part
    return;
  }
  uint64_t fields = 1;
  if (array_class != 1) {
    if (array_class == 3) tag(), skip_data();  // the class name
    if (tag() != kMiInt32 || !small || n != 4 || value == 0) throw damaged("a struct without its field name length");
    const uint32_t name_length = value;
    // matio reads (n / name_length) * name_length bytes of names: anything else puts it out of step.
    if (tag() != kMiInt8 || n % name_length != 0) throw damaged("a struct without its field names");
    fields = n / name_length;
    skip_data();
  }
  // Each element of each field is an array with an 8-byte tag at least.
  if (elements * fields > left / 8)
    throw damaged("a cell or struct of " + std::to_string(elements) + " elements" +
                  (array_class == 1 ? "" : " with " + std::to_string(fields) + " fields") + " in " +
                  std::to_string(left) + " bytes");
  for (uint64_t i = 0; i < elements * fields; ++i) {
    if (tag() != kMiMatrix || small) throw damaged("a cell or struct element that is not an array");
    const uint64_t element_size = n;
    left -= padded(element_size);
    if (element_size > 0) check_array(in, element_size, swapped, depth + 1, where);  // 0: an empty array
    if (!in.next(nullptr, padded(element_size) - element_size)) throw damaged("its data ends early");
  }
  read(nullptr, left);
}

// matio reads a cut-off file as fewer variables or arrays without data, so walk the top-level
// element tags first: each must fit in the file. Each variable's arrays are walked too (check_array).
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
    if (type == kMiMatrix || type == kMiCompressed) {
      const std::string variable = where + " (variable at byte " + std::to_string(pos) + ")";
      VariableBytes in(begin + pos + 8, n, type == kMiCompressed);
      uint64_t array_size = n;
      if (type == kMiCompressed) {  // one array, inflated
        if (!in.next(tag, 8)) throw InputError(variable + " is damaged: its compressed data cannot be inflated");
        if ((swapped ? __builtin_bswap32(tag[0]) : tag[0]) != kMiMatrix)
          throw InputError(variable + " is damaged: its compressed data is not an array");
        array_size = swapped ? __builtin_bswap32(tag[1]) : tag[1];
      }
      check_array(in, array_size, swapped, 1, variable);
    }
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

// Field `name` of struct `s` (its first element), or nullptr when it has none; `what` names the struct.
const matvar_t* field(const matvar_t* s, const char* name, const std::string& what) {
  // matio indexes the struct's field pointers without checking that a damaged file gave it any.
  const size_t fields = s ? Mat_VarGetNumberOfFields(const_cast<matvar_t*>(s)) : 0;
  if (s == nullptr || s->class_type != MAT_C_STRUCT || s->data == nullptr || fields == 0 || element_count(s) < 1 ||
      s->nbytes < fields * sizeof(matvar_t*))
    return nullptr;
  // When reading the field names fails (a cut-off or oversized name element), matio before 1.6.0
  // keeps their count but no names, and Mat_VarGetStructFieldByName then dereferences the missing
  // names: look the name up here instead.
  char* const* names = Mat_VarGetStructFieldnames(s);
  if (names == nullptr) throw InputError(what + " is damaged: its field names cannot be read");
  for (size_t i = 0; i < fields; ++i)
    if (names[i] != nullptr && std::strcmp(names[i], name) == 0)
      return Mat_VarGetStructFieldByIndex(const_cast<matvar_t*>(s), i, 0);
  return nullptr;
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
    if (char_text(field(s, "type", at)) != "conv") continue;
    const std::string name = char_text(field(s, "name", at));
    if (name.empty()) throw InputError(at + ": a conv layer without a 'name'");
    const std::string layer = at + " '" + name + "'";
    if (const matvar_t* weights = field(s, "weights", layer)) {
      out.emplace_back(name, cell_pair(weights, layer + " weights"));
    } else if (const matvar_t* filters = field(s, "filters", layer)) {
      out.emplace_back(name, ConvArrays{filters, field(s, "biases", layer), layer});
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
std::optional<std::array<double, 3>> average_image_mean(const matvar_t* var, const std::string& where) {
  if (var->name == nullptr || var->class_type != MAT_C_STRUCT) return std::nullopt;
  const std::string name = var->name;
  const bool meta = name == "meta";
  const matvar_t* normalization = meta ? field(var, "normalization", where + ", meta") : name == "normalization" ? var : nullptr;
  if (normalization == nullptr || normalization->class_type != MAT_C_STRUCT) return std::nullopt;
  return channel_means(field(normalization, "averageImage", where + (meta ? ", meta.normalization" : ", normalization")));
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
    if (auto mean = average_image_mean(var.get(), where)) average_image = mean;
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
