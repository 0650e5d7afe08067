#pragma once
#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

#include "image/guided_smoothing.h"

namespace impasto {

struct Options;

// Finishing filters (--post), applied to the written image in the order given:
//   match-colors     the image's colours mapped linearly to the content's mean and covariance
//   luminance        the image's luminance with the content's chrominance (Cr, Cb)
//   sharpen[:AMOUNT] unsharp mask: image + AMOUNT * (image - gaussian blur, sigma 1 px); default 0.5
//   denoise[:H]      OpenCV's non-local means (fastNlMeansDenoisingColored), strength H in 0..255
//                    grey levels; default 5. Works on 8-bit pixels, so it rounds the image to 1/255.
//   strength:X       X * image + (1 - X) * content, X in 0..1
struct PostFilter {
  std::string kind;
  double amount = 0;
};

// Parses "--post" entries ("sharpen:0.8"); throws InputError naming a bad entry.
std::vector<PostFilter> parse_post_filters(const std::vector<std::string>& specs);
// Whether any of these filters reads the content photo (match-colors, luminance, strength).
bool post_filters_need_content(const std::vector<PostFilter>& filters);

// image and content: [1,3,H,W] RGB 0..1 of the same size (content may be undefined when no filter
// needs it). The result is not clamped, so that colour statistics stay exact; saving clamps.
torch::Tensor apply_post_filter(const torch::Tensor& image, const torch::Tensor& content, const PostFilter& filter);

// What a run does after its final image: the --smooth filter against the content photo, then the
// --post filters in order. Returns the image unchanged when the options ask for neither.
torch::Tensor apply_post(const torch::Tensor& image, const torch::Tensor& content, const Options& options);

}  // namespace impasto
