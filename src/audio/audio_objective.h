#pragma once
#include <torch/types.h>

#include <cstdint>

#include "audio/random_filters.h"
#include "transfer/objective.h"

namespace impasto {

// The style target: the Gram matrix [filters, filters] of the features of a log-magnitude
// spectrogram [channels, T] averaged over time, computed in pieces of at most `chunk_frames` frames
// (overlapping by the filter width, so the result equals the whole's) to bound memory on long sounds.
torch::Tensor style_gram(const RandomFilterBank& filters, const torch::Tensor& spectrogram, int64_t chunk_frames);

// The loss of a log-magnitude spectrogram: a style term (the Gram matrix of its features against
// the style's) and a content term (its features against the content's), each a relative squared
// error (transfer/losses.h) times its weight. Terms are named "style" and "content".
class AudioObjective {
 public:
  AudioObjective(const RandomFilterBank& filters, torch::Tensor style_gram, double style_weight,
                 double content_weight);

  // The content whose features the next evaluations are held to, [channels, T]; undefined (or a
  // content weight of 0): none, a texture.
  void set_content(const torch::Tensor& spectrogram);

  // Losses of `spectrogram` [channels, T]; accumulates d(total)/d(spectrogram) into its grad().
  LossValues evaluate(const torch::Tensor& spectrogram);

 private:
  const RandomFilterBank& filters_;
  torch::Tensor style_gram_;
  double style_norm_;
  double style_weight_, content_weight_;
  torch::Tensor content_features_;
  double content_norm_ = 1;
};

}  // namespace impasto
