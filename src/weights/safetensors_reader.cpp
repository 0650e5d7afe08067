#include "weights/safetensors_reader.h"

#include <impasto/errors.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "weights/conv_params.h"
#include "weights/mapped_file.h"
#include "weights/state_dict_source.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMaxHeader = 100'000'000;  // the format's own limit

const std::map<std::string, torch::ScalarType>& dtypes() {
  static const std::map<std::string, torch::ScalarType> types{
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};
  return types;
}

struct Entry {
  std::string name;
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;  // within the data section
};

Entry parse_entry(const std::string& name, const json& j, uint64_t data_size, const std::string& where) {
  const std::string what = where + ": tensor '" + name + "'";
  const auto dtype_name = j.at("dtype").get<std::string>();
  auto dtype = dtypes().find(dtype_name);
  if (dtype == dtypes().end())
    throw InputError(what + " has unsupported dtype " + dtype_name + " (F64, F32, F16, BF16 and integers are)");
  Entry e{name, dtype->second, j.at("shape").get<std::vector<int64_t>>(), 0, 0};
  const auto offsets = j.at("data_offsets").get<std::vector<uint64_t>>();
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    throw InputError(what + " has invalid data_offsets " + j.at("data_offsets").dump());
  e.begin = offsets[0];
  e.end = offsets[1];
  if (e.end > data_size)
    throw InputError(where + " is truncated: tensor '" + name + "' ends at byte " + std::to_string(e.end) +
                     " of the data, which has only " + std::to_string(data_size) + " bytes");
  uint64_t expected = c10::elementSize(e.dtype);
  for (int64_t d : e.shape) {
    if (d < 0) throw InputError(what + " has negative shape " + shape_text(e.shape));
    if (__builtin_mul_overflow(expected, static_cast<uint64_t>(d), &expected) || expected > (uint64_t{1} << 62))
      throw InputError(what + " has shape " + shape_text(e.shape) + ", larger than any file");
  }
  if (e.end - e.begin != expected)
    throw InputError(what + " has " + std::to_string(e.end - e.begin) + " bytes but shape " + shape_text(e.shape) +
                     " of " + dtype_name + " needs " + std::to_string(expected));
  return e;
}

}  // namespace

std::unique_ptr<WeightSource> open_safetensors_weights(const fs::path& path) {
  const std::string where = "safetensors file " + path.string();
  // Tensors are views into the mapping and keep it alive: nothing is read before it is used.
  auto file = std::make_shared<const MappedFile>(path);
  if (file->size() < 8)
    throw InputError(where + " is truncated: " + std::to_string(file->size()) +
                     " bytes, less than its 8-byte header length");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = header_size << 8 | static_cast<unsigned char>(file->data()[i]);
  if (header_size > kMaxHeader)
    throw InputError(where + " is not a safetensors file: its header length " + std::to_string(header_size) +
                     " exceeds the format's limit of 100 MB");
  if (header_size > file->size() - 8)
    throw InputError(where + " is truncated: its header needs " + std::to_string(header_size) + " bytes, " +
                     std::to_string(file->size() - 8) + " follow the length");
  const uint64_t data_size = file->size() - 8 - header_size;
  const char* data = file->data() + 8 + header_size;

  std::vector<Entry> entries;
  try {
    const json header = json::parse(file->data() + 8, file->data() + 8 + header_size);
    if (!header.is_object()) throw InputError(where + ": the header is not a JSON object");
    for (const auto& [name, value] : header.items())
      if (name != "__metadata__") entries.push_back(parse_entry(name, value, data_size, where));
  } catch (const json::exception& e) {
    throw InputError(where + " has an invalid header: " + e.what());
  }
  // Layers in the order their data is stored, not the header's (JSON objects have none).
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const Entry& e : entries)
    tensors.emplace_back(e.name, torch::from_blob(const_cast<char*>(data + e.begin), e.shape, [file](void*) {},
                                                  torch::TensorOptions().dtype(e.dtype)));
  return make_state_dict_source(where, "safetensors", std::move(tensors), path);
}

}  // namespace impasto
