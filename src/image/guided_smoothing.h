#pragma once
#include <torch/types.h>

#include <optional>
#include <string>

namespace impasto {

// --smooth guided[:R,EPS]: the edge-aware guided filter (He et al. 2010) of a result against the
// content photo, which keeps the result a locally affine function of the photo: edges of the photo
// stay where they are and painted strokes between them are flattened (FastPhotoStyle's smoothing
// step uses R = 35, EPS = 1e-3, the defaults here). EPS is in squared 0..255 grey levels, as in
// FastPhotoStyle, which hands OpenCV 8-bit images: 1e-3 is almost no regularisation, so each pixel
// is the average of the least-squares affine fits of the result to the photo over the windows of
// (2R+1)^2 pixels that hold it.
struct GuidedSmoothing {
  int radius = 35;
  double eps = 1e-3;
};

// "" -> nullopt; "guided", "guided:R" or "guided:R,EPS". Throws InputError naming a bad spec.
std::optional<GuidedSmoothing> parse_smoothing(const std::string& spec);

// image, guide: [1,3,H,W] RGB 0..1 of the same size.
torch::Tensor guided_smooth(const torch::Tensor& image, const torch::Tensor& guide, const GuidedSmoothing& smoothing);

}  // namespace impasto
