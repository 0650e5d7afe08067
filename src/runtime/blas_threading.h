#pragma once

namespace impasto {

// Who runs the matrix products of runtime/blas.h on several threads. Split: libtorch's pool, one
// single-threaded BLAS call per thread (the default: OpenBLAS's own worker threads busy-wait
// between calls and slowed the operators that followed). Blas: one call, on OpenBLAS's own threads;
// libtorch's native convolutions, which call BLAS once per image, need this to use more than one
// core. The tuner (tuning/) times both. Sets OpenBLAS's thread count (1, or `threads`); other
// BLAS libraries are left as they are.
enum class BlasThreading { Split, Blas };
void set_blas_threading(BlasThreading mode, int threads);
BlasThreading blas_threading();

}  // namespace impasto
