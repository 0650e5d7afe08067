#pragma once
#include <torch/types.h>

#include <string>

namespace impasto {

// --preserve-colors (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer"):
// prepares the images a run optimises against and gives its output the content's colours.
//   luminance: the run sees luminance only (content and styles as grey images, each style's
//              luminance matched in mean and deviation to the content's); the output's luminance is
//              recombined with the content's chrominance.
//   histogram: each style image's colours are mapped to the content's mean and covariance first.
//   "":        nothing changes.
class ColourPreservation {
 public:
  ColourPreservation(std::string mode, const torch::Tensor& content);

  // The content image the network sees.
  torch::Tensor content() const;
  torch::Tensor style(const torch::Tensor& style) const;
  // The image to write for an optimised image.
  torch::Tensor finish(const torch::Tensor& image) const;

 private:
  std::string mode_;
  torch::Tensor content_;
};

}  // namespace impasto
