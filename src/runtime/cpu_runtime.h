#pragma once
#include <string>

namespace impasto {

// Process-wide CPU settings for a run: threads (n > 0, or all cores for 0) for libtorch and
// OpenBLAS, denormals flushed to zero, and the caching allocator (cpu_allocator.h).
void prepare_cpu_runtime(int threads);

// Which BLAS does the matrix products: "OpenBLAS, Haswell kernels (OPENBLAS_CORETYPE=Haswell)",
// "OpenBLAS, Cooperlake kernels", or "not OpenBLAS". The kernels set what the sgemm figures mean:
// OpenBLAS's AVX2 kernels reach about half the AVX-512 ones on a CPU that has both.
std::string blas_description();

}  // namespace impasto
