#include "audio/audio_objective.h"

#include <torch/torch.h>

#include <algorithm>
#include <utility>

#include "transfer/losses.h"

namespace impasto {
namespace {

// Features [1, N, T] as the [1, N, 1, T] image-shaped features gram_matrix() takes.
torch::Tensor gram_over_time(const torch::Tensor& features) { return gram_matrix(features.unsqueeze(2)); }

LossValues audio_losses(double content, double style, bool with_content) {
  LossValues losses;
  if (with_content) losses.terms.emplace_back("content", content);
  losses.terms.emplace_back("style", style);
  losses.total = content + style;
  return losses;
}

}  // namespace

torch::Tensor style_gram(const RandomFilterBank& filters, const torch::Tensor& spectrogram, int64_t chunk_frames) {
  torch::NoGradGuard no_grad;
  const int64_t frames = spectrogram.size(1), width = filters.width();
  const int64_t positions = frames - width + 1;
  const int64_t step = std::max<int64_t>(1, chunk_frames - width + 1);  // output positions per piece
  torch::Tensor sum = torch::zeros({filters.filters(), filters.filters()});
  for (int64_t first = 0; first < positions; first += step) {
    const int64_t count = std::min(step, positions - first);
    const torch::Tensor piece = spectrogram.narrow(1, first, count + width - 1).unsqueeze(0);
    sum += gram_over_time(filters.features(piece)) * static_cast<double>(count);
  }
  return sum / static_cast<double>(positions);
}

AudioObjective::AudioObjective(const RandomFilterBank& filters, torch::Tensor style_gram, double style_weight,
                               double content_weight)
    : filters_(filters),
      style_gram_(std::move(style_gram)),
      style_norm_(std::max(style_gram_.square().sum().item<double>(), 1e-30)),
      style_weight_(style_weight),
      content_weight_(content_weight) {}

void AudioObjective::set_content(const torch::Tensor& spectrogram) {
  if (!spectrogram.defined() || content_weight_ == 0) {
    content_features_ = torch::Tensor();
    return;
  }
  torch::NoGradGuard no_grad;
  content_features_ = filters_.features(spectrogram.unsqueeze(0));
  content_norm_ = std::max(content_features_.square().sum().item<double>(), 1e-30);
}

LossValues AudioObjective::evaluate(const torch::Tensor& spectrogram) {
  const torch::Tensor features = filters_.features(spectrogram.unsqueeze(0));
  torch::Tensor total = style_weight_ * relative_squared_error(gram_over_time(features), style_gram_, style_norm_);
  const double style = total.item<double>();
  double content = 0;
  if (content_features_.defined()) {
    const torch::Tensor content_loss =
        content_weight_ * relative_squared_error(features, content_features_, content_norm_);
    content = content_loss.item<double>();
    total = total + content_loss;
  }
  total.backward();
  return audio_losses(content, style, content_features_.defined());
}

}  // namespace impasto
