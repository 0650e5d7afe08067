#pragma once
#include "weights/weight_source.h"

namespace impasto {

// Binary Caffe model (.caffemodel, a serialised NetParameter), current `layer` or legacy V1
// `layers` messages. Convolution blobs are already [out][in][kh][kw]. The file is mapped, indexed
// on open and each layer decoded when asked for, so a 550 MB VGG-19 is never held twice.
std::unique_ptr<WeightSource> open_caffemodel_weights(const std::filesystem::path& path);

}  // namespace impasto
