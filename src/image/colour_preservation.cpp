#include "image/colour_preservation.h"

#include <torch/torch.h>

#include "image/colour.h"

namespace impasto {

ColourPreservation::ColourPreservation(std::string mode, const torch::Tensor& content)
    : mode_(std::move(mode)), content_(content) {}

torch::Tensor ColourPreservation::content() const {
  return mode_ == "luminance" && content_.defined() ? luminance_image(content_) : content_;
}

torch::Tensor ColourPreservation::style(const torch::Tensor& style) const {
  if (mode_ == "luminance") return matched_luminance_image(style, content_);
  if (mode_ == "histogram") return match_colour_statistics(style, content_);
  return style;
}

torch::Tensor ColourPreservation::finish(const torch::Tensor& image) const {
  if (mode_ != "luminance") return image;
  torch::NoGradGuard no_grad;
  return combine_luminance(image.detach(), content_);
}

}  // namespace impasto
