#pragma once
// Writes safetensors files for tests, laid out as the reference implementation does.
#include <torch/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"

namespace impasto::testing {

inline std::string safetensors_dtype(torch::ScalarType t) {
  static const std::map<torch::ScalarType, std::string> names{
      {torch::kFloat64, "F64"}, {torch::kFloat32, "F32"}, {torch::kFloat16, "F16"}, {torch::kBFloat16, "BF16"},
      {torch::kInt64, "I64"},   {torch::kInt32, "I32"},   {torch::kUInt8, "U8"},    {torch::kBool, "BOOL"}};
  return names.at(t);
}

// The file's bytes: each tensor in its own dtype and shape, data in the map's order, the header
// padded with spaces to a multiple of 8 bytes.
inline std::string safetensors_bytes(const std::map<std::string, torch::Tensor>& tensors,
                                     const std::map<std::string, std::string>& metadata = {{"format", "pt"}}) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor t = tensor.contiguous();
    const size_t begin = data.size();
    data.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
    header[name] = {{"dtype", safetensors_dtype(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(uint64_t{text.size()} >> (8 * i));
  return out + text + data;
}

inline void write_safetensors(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {{"format", "pt"}}) {
  write_bytes(path, safetensors_bytes(tensors, metadata));
}

}  // namespace impasto::testing
