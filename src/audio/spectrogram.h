#pragma once
#include <torch/types.h>

namespace impasto {

// Short-time Fourier transform with a periodic Hann window, frames centred on multiples of `hop`
// (the signal reflected at its ends), as librosa and the paper's code compute it.
class Stft {
 public:
  Stft(int n_fft, int hop);
  int n_fft() const { return n_fft_; }
  int hop() const { return hop_; }
  int64_t bins() const { return n_fft_ / 2 + 1; }
  int64_t frames(int64_t samples) const { return 1 + samples / hop_; }
  // Samples a spectrum of `frames` frames stands for.
  int64_t samples(int64_t frames) const { return (frames - 1) * hop_; }

  // samples [L] (L > n_fft / 2) -> complex [bins, frames(L)]
  torch::Tensor forward(const torch::Tensor& samples) const;
  // complex [bins, T] -> samples [length]; the exact inverse of forward() for length L.
  torch::Tensor inverse(const torch::Tensor& spectrum, int64_t length) const;

 private:
  int n_fft_, hop_;
  torch::Tensor window_;
};

// The network's input: log(1 + |X|), [bins, T].
torch::Tensor log_magnitude(const torch::Tensor& spectrum);
// Its inverse for an optimised log-magnitude (negative values, which no magnitude has, become 0).
torch::Tensor magnitude_from_log(const torch::Tensor& log_magnitude);

}  // namespace impasto
