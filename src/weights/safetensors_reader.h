#pragma once
#include "weights/weight_source.h"

namespace impasto {

// Hugging Face safetensors: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the tensor bytes. Names as in PyTorch state dicts
// ("features.0.weight"); F32, F16, BF16 and F64 weights are converted to float32.
std::unique_ptr<WeightSource> open_safetensors_weights(const std::filesystem::path& path);

}  // namespace impasto
