#include "audio/spectrogram.h"

#include <torch/torch.h>

namespace impasto {

Stft::Stft(int n_fft, int hop) : n_fft_(n_fft), hop_(hop), window_(torch::hann_window(n_fft, torch::kFloat)) {}

torch::Tensor Stft::forward(const torch::Tensor& samples) const {
  return torch::stft(samples.to(torch::kFloat), n_fft_, hop_, n_fft_, window_, /*center=*/true, "reflect",
                     /*normalized=*/false, /*onesided=*/true, /*return_complex=*/true);
}

torch::Tensor Stft::inverse(const torch::Tensor& spectrum, int64_t length) const {
  return torch::istft(spectrum, n_fft_, hop_, n_fft_, window_, /*center=*/true, /*normalized=*/false,
                      /*onesided=*/true, length);
}

torch::Tensor log_magnitude(const torch::Tensor& spectrum) { return torch::log1p(spectrum.abs()); }

torch::Tensor magnitude_from_log(const torch::Tensor& log_magnitude) {
  return torch::expm1(log_magnitude.clamp_min(0));
}

}  // namespace impasto
