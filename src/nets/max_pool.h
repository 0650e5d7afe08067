#pragma once
#include <torch/types.h>

namespace impasto {

// Max pooling for the networks, differentiable in its input, saving little for backward.
// Float32 channels-last tensors on the CPU take our own kernel, which records each maximum's place
// in its window as one byte (autograd's version keeps an int64 per output, twice the output's
// bytes, or recomputes the pooling in backward). Anything else goes to libtorch and recomputes the
// maxima in backward from the input, which the previous ReLU keeps anyway.
torch::Tensor max_pool(const torch::Tensor& input, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode);

// Output length of a pooling window over n positions, as Caffe and libtorch define it.
int64_t pooled_length(int64_t n, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode);

}  // namespace impasto
