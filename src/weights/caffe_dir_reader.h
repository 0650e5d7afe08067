#pragma once
#include "weights/weight_source.h"

namespace impasto {

// Caffe weights exported one file per blob (the caffejs layout): `deploy.prototxt` plus
// `weights/<layer>_filter.bin` ([out][kh][kw][in]) and `weights/<layer>_bias.bin` ([out]), headerless
// little-endian float32. The files carry no shapes; they follow from the prototxt's graph.
// `path` is the directory or its prototxt.
std::unique_ptr<WeightSource> open_caffe_dir_weights(const std::filesystem::path& path);

}  // namespace impasto
