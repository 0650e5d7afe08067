#pragma once

namespace impasto {

// Process-wide CPU settings for a run: threads (n > 0, or all cores for 0) for libtorch and
// OpenBLAS, denormals flushed to zero, and the caching allocator (cpu_allocator.h).
void prepare_cpu_runtime(int threads);

}  // namespace impasto
