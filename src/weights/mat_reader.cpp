#include "weights/mat_reader.h"

#include <impasto/errors.h>
#include <matio.h>

#include <fstream>
#include <map>

namespace impasto {
namespace {

namespace fs = std::filesystem;

// matio reads a cut-off file as fewer variables or arrays without data, so walk the top-level
// element tags first: each must fit in the file.
void check_complete(const fs::path& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  char header[128];
  if (!in.read(header, sizeof header)) throw InputError(where + " is truncated inside its 128-byte header");
  const bool swapped = header[126] == 'M' && header[127] == 'I';
  const uint64_t size = fs::file_size(path);
  for (uint64_t pos = sizeof header; pos < size;) {
    uint32_t tag[2];
    if (!in.seekg(static_cast<std::streamoff>(pos)).read(reinterpret_cast<char*>(tag), sizeof tag))
      throw InputError(where + " is truncated: incomplete variable tag at byte " + std::to_string(pos));
    const uint64_t n = swapped ? __builtin_bswap32(tag[1]) : tag[1];
    if (pos + 8 + n > size)
      throw InputError(where + " is truncated: the variable at byte " + std::to_string(pos) + " needs " +
                       std::to_string(n) + " bytes, " + std::to_string(size - pos - 8) + " remain");
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

ConvParams convert_layer(const matvar_t* cell, const std::string& where) {
  if (element_count(cell) != 2)
    throw InputError(where + ": expected a 1x2 cell {kernel, bias}, got a " + dims_text(cell) + " cell");
  const matvar_t* k = Mat_VarGetCell(const_cast<matvar_t*>(cell), 0);
  const matvar_t* b = Mat_VarGetCell(const_cast<matvar_t*>(cell), 1);
  const float* kdata = single_data(k, where + " kernel");
  const float* bdata = single_data(b, where + " bias");
  // MATLAB drops trailing singleton dimensions, so a [3,3,3,1] kernel is stored as rank 3.
  if (k->rank < 2 || k->rank > 4)
    throw InputError(where + ": kernel must be 4-D [kh,kw,in,out], got " + dims_text(k));
  int64_t dims[4] = {1, 1, 1, 1};
  for (int d = 0; d < k->rank; ++d) dims[d] = static_cast<int64_t>(k->dims[d]);
  const int64_t kh = dims[0], kw = dims[1], in = dims[2], out = dims[3];
  if (element_count(b) != out)
    throw InputError(where + ": bias has " + std::to_string(element_count(b)) + " elements but the kernel " +
                     dims_text(k) + " has " + std::to_string(out) + " output channels");
  // Column-major [kh][kw][in][out] is row-major [out][in][kw][kh]; swap the last two.
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor w =
      torch::from_blob(const_cast<float*>(kdata), {out, in, kw, kh}, opts)
          .permute({0, 1, 3, 2})
          .clone(at::MemoryFormat::Contiguous);  // owns its data even when permute is a no-op (1x1)
  torch::Tensor bias = torch::from_blob(const_cast<float*>(bdata), {out}, opts).clone();
  return {w, bias};
}

class MatSource : public WeightSource {
 public:
  MatSource(std::filesystem::path path, std::vector<std::string> order,
            std::map<std::string, ConvParams> params)
      : path_(std::move(path)), order_(std::move(order)), params_(std::move(params)) {}

  std::vector<std::string> layers() const override { return order_; }
  ConvParams conv(const std::string& layer) const override {
    auto it = params_.find(layer);
    if (it == params_.end()) throw InputError("no layer '" + layer + "' in MAT-file " + path_.string());
    return it->second;
  }
  std::string format() const override { return "MAT-file"; }

 private:
  std::filesystem::path path_;
  std::vector<std::string> order_;
  std::map<std::string, ConvParams> params_;
};

}  // namespace

std::unique_ptr<WeightSource> open_mat_weights(const std::filesystem::path& path) {
  const std::string where = "MAT-file " + path.string();
  std::unique_ptr<mat_t, MatCloser> mat(Mat_Open(path.string().c_str(), MAT_ACC_RDONLY));
  if (!mat) throw InputError(where + " cannot be opened as a MATLAB level-5 MAT-file");
  if (Mat_GetVersion(mat.get()) != MAT_FT_MAT5)
    throw InputError(where + " is not a level-5 MAT-file (v7.3/HDF5 and v4 are not supported)");
  check_complete(path, where);

  std::vector<std::string> order;
  std::map<std::string, ConvParams> params;
  // Non-cell variables (metadata and the like) are not layers and are skipped.
  while (MatVarPtr var{Mat_VarReadNext(mat.get())}) {
    if (var->class_type != MAT_C_CELL || var->name == nullptr) continue;
    const std::string name = var->name;
    params[name] = convert_layer(var.get(), where + ", layer '" + name + "'");
    order.push_back(name);
  }
  if (order.empty()) throw InputError(where + " holds no layers (top-level 1x2 cells {kernel, bias})");
  return std::make_unique<MatSource>(path, std::move(order), std::move(params));
}

}  // namespace impasto
