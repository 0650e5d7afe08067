#include "runtime/cpu_runtime.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "runtime/cpu_allocator.h"

namespace impasto {

void prepare_cpu_runtime(int n) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = n > 0 ? n : cores;
  // Late in an optimisation some values become denormal floats, which the CPU handles many times
  // slower; flushing them to zero changes no visible result. Set before the thread pools start so
  // that their threads inherit it.
  at::globalContext().setFlushDenormal(true);
  torch::set_num_threads(threads);
  // Our BLAS calls run inside libtorch's pool, one thread each (runtime/blas.h): OpenBLAS's own
  // worker threads busy-wait between calls and slowed the operators that followed. Looked up at
  // run time because the system BLAS may be another implementation.
  using SetThreads = void (*)(int);
  if (auto set_blas_threads = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(1);
  install_caching_cpu_allocator();
}

std::string blas_description() {
  const auto corename = reinterpret_cast<char* (*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!corename) return "not OpenBLAS";
  std::string text = std::string("OpenBLAS, ") + corename() + " kernels";
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE")) text += std::string(" (OPENBLAS_CORETYPE=") + forced + ")";
  return text;
}

}  // namespace impasto
