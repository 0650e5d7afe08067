#pragma once
#include <torch/types.h>

namespace impasto {

// A log-magnitude spectrogram [bins, T] as an RGB picture [1,3,bins,T] in 0..1 (magma colours, low
// frequencies at the bottom, time to the right), for the image writers (image/image_io.h). Values are
// scaled by `ceiling` (0: the spectrogram's own maximum), so frames of one run can share a scale.
torch::Tensor spectrogram_picture(const torch::Tensor& log_magnitude, double ceiling = 0);

}  // namespace impasto
