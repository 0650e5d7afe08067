#include "runtime/blas.h"
#include "runtime/blas_threading.h"

#include <ATen/Parallel.h>
#include <cblas.h>
#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>

namespace impasto {
namespace {

std::atomic<BlasThreading> threading{BlasThreading::Split};

// The pool's share of a product: all its threads in Split mode, one call otherwise.
int64_t pool_parts() { return threading.load() == BlasThreading::Split ? at::get_num_threads() : 1; }

// How BLAS reads a 2-D tensor as a row-major matrix: as stored (rows contiguous) or transposed
// (columns contiguous).
struct BlasView {
  bool usable = false;
  CBLAS_TRANSPOSE transpose = CblasNoTrans;
  int64_t leading = 0;  // the BLAS leading dimension
};

BlasView blas_view(const torch::Tensor& t) {
  if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat || t.dim() != 2) return {};
  if (t.stride(1) == 1 && t.stride(0) >= std::max<int64_t>(1, t.size(1))) return {true, CblasNoTrans, t.stride(0)};
  if (t.stride(0) == 1 && t.stride(1) >= std::max<int64_t>(1, t.size(0))) return {true, CblasTrans, t.stride(1)};
  return {};
}

// Address of row `row` of the matrix t as BLAS reads it.
const float* row_address(const torch::Tensor& t, const BlasView& view, int64_t row) {
  return t.data_ptr<float>() + row * (view.transpose == CblasNoTrans ? t.stride(0) : 1);
}

// Rows per task: enough work per BLAS call that splitting does not cost more than it gains.
int64_t grain_rows(int64_t inner, int64_t columns) {
  return std::max<int64_t>(64, (int64_t{1} << 20) / std::max<int64_t>(1, inner * columns));
}

struct MatmulConstantRight : torch::autograd::Function<MatmulConstantRight> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b) {
    ctx->saved_data["b"] = b;
    return parallel_mm(a, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor b = ctx->saved_data["b"].toTensor();
    return {parallel_mm(grads[0], b.t()), torch::Tensor()};
  }
};

}  // namespace

void set_blas_threading(BlasThreading mode, int threads) {
  threading = mode;
  // Looked up at run time because the system BLAS may be another implementation.
  using SetThreads = void (*)(int);
  if (auto set_threads = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_threads(mode == BlasThreading::Split ? 1 : std::max(1, threads));
}

BlasThreading blas_threading() { return threading.load(); }

torch::Tensor parallel_mm(const torch::Tensor& a, const torch::Tensor& b) {
  const BlasView va = blas_view(a), vb = blas_view(b);
  if (!va.usable || !vb.usable || a.size(1) != b.size(0) || a.size(1) == 0) return torch::mm(a, b);
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  torch::Tensor c = torch::empty({m, n}, a.options());
  float* out = c.data_ptr<float>();
  if (pool_parts() > 1 && m < 2 * grain_rows(k, n) && vb.transpose == CblasNoTrans && n >= 128) {
    // Few rows and many columns (a Gram gradient in the contiguous layout, [C,C] x [C,HW]): split
    // the columns instead, or one thread would do it all.
    const int64_t grain = std::max<int64_t>(64, (int64_t{1} << 20) / std::max<int64_t>(1, k * m));
    at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
      cblas_sgemm(CblasRowMajor, va.transpose, CblasNoTrans, static_cast<int>(m), static_cast<int>(end - begin),
                  static_cast<int>(k), 1.0f, row_address(a, va, 0), static_cast<int>(va.leading),
                  b.data_ptr<float>() + begin, static_cast<int>(vb.leading), 0.0f, out + begin, static_cast<int>(n));
    });
    return c;
  }
  const int64_t grain = pool_parts() > 1 ? grain_rows(k, n) : m;  // grain m: one call, on this thread
  at::parallel_for(0, m, std::max<int64_t>(grain, 1), [&](int64_t begin, int64_t end) {
    cblas_sgemm(CblasRowMajor, va.transpose, vb.transpose, static_cast<int>(end - begin), static_cast<int>(n),
                static_cast<int>(k), 1.0f, row_address(a, va, begin), static_cast<int>(va.leading),
                b.data_ptr<float>(), static_cast<int>(vb.leading), 0.0f, out + begin * n, static_cast<int>(n));
  });
  return c;
}

torch::Tensor parallel_mm_constant_right(const torch::Tensor& a, const torch::Tensor& b) {
  return MatmulConstantRight::apply(a, b.detach());
}

torch::Tensor parallel_gram(const torch::Tensor& f, double scale) {
  // f [C,P] = the transpose of f^T [P,C]; ssyrk over a range of positions is a partial sum.
  const BlasView view = blas_view(f.t());
  if (!view.usable || f.size(1) == 0) return torch::mm(f, f.t()).mul_(scale);
  const int64_t channels = f.size(0), positions = f.size(1);
  const int64_t parts =
      std::max<int64_t>(1, std::min<int64_t>(pool_parts(), positions / grain_rows(channels, channels)));
  torch::Tensor partial = torch::empty({parts, channels, channels}, f.options());
  const int64_t per_part = (positions + parts - 1) / parts;
  const torch::Tensor ft = f.t();
  at::parallel_for(0, parts, 1, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      const int64_t begin = p * per_part, count = std::min(positions, begin + per_part) - begin;
      cblas_ssyrk(CblasRowMajor, CblasUpper, view.transpose == CblasNoTrans ? CblasTrans : CblasNoTrans,
                  static_cast<int>(channels), static_cast<int>(std::max<int64_t>(count, 0)), static_cast<float>(scale),
                  row_address(ft, view, begin), static_cast<int>(view.leading), 0.0f,
                  partial[p].data_ptr<float>(), static_cast<int>(channels));
    }
  });
  torch::Tensor gram = parts == 1 ? partial[0] : partial.sum(0);
  float* g = gram.data_ptr<float>();
  for (int64_t row = 1; row < channels; ++row)  // mirror the upper triangle
    for (int64_t column = 0; column < row; ++column) g[row * channels + column] = g[column * channels + row];
  return gram;
}

}  // namespace impasto
