#pragma once
#include <torch/types.h>

namespace impasto {

// Matrix products of the style losses and LRN, run in libtorch's own thread pool: the rows (or, for
// a Gram matrix, the positions) are split across its threads, each making a single-threaded BLAS
// call. OpenBLAS's own worker threads busy-wait after every call, which took a core away from
// libtorch's pool on the next operators; prepare_cpu_runtime therefore gives OpenBLAS one thread.
// Tensors that are not float32 on the CPU, or whose strides BLAS cannot take, go to torch::mm.

// a [M,K] times b [K,N], as torch::mm (no autograd).
torch::Tensor parallel_mm(const torch::Tensor& a, const torch::Tensor& b);

// a [M,K] times a constant b [K,N], differentiable in a.
torch::Tensor parallel_mm_constant_right(const torch::Tensor& a, const torch::Tensor& b);

// scale * f f^T for f [C,P], whole and symmetric (BLAS ssyrk computes one triangle: half the work).
torch::Tensor parallel_gram(const torch::Tensor& f, double scale);

}  // namespace impasto
