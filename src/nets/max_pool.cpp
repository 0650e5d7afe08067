#include "nets/max_pool.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace impasto {
namespace {

struct Window {
  int64_t kernel, stride, padding;
};

bool channels_last(const torch::Tensor& t) {
  // A [N,C,1,1] or [N,1,H,W] tensor counts as both layouts: go by the strides that matter.
  return t.is_contiguous(at::MemoryFormat::ChannelsLast) && !t.is_contiguous();
}

bool takes_fast_path(const torch::Tensor& input, int64_t kernel) {
  return input.device().is_cpu() && input.scalar_type() == torch::kFloat && input.dim() == 4 &&
         (input.is_contiguous(at::MemoryFormat::ChannelsLast) || input.is_contiguous()) && kernel * kernel <= 255;
}

// Float32 input on the CPU takes one of two kernels by its memory layout (max_pool.h's "channels-last"
// covers both now): the output keeps the input's layout, so that a contiguous network stays so.

// Channels-last memory: [N][H][W][C]. Rows of the output are independent in forward. The window
// position of each maximum is tracked as int32 (so that the compiler vectorises the compare and
// select with the float values) and stored as one byte.
void pool_forward(const float* in, float* out, uint8_t* place, int64_t n, int64_t h, int64_t w, int64_t c,
                  int64_t oh, int64_t ow, const Window& win) {
  // Everything by value: stores through uint8_t* may alias anything, and would otherwise stop the
  // compiler from keeping sizes in registers and vectorising.
  at::parallel_for(0, n * oh, 1, [=](int64_t begin, int64_t end) {
    std::vector<int32_t> where(c);
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / oh, y = row % oh;
      for (int64_t x = 0; x < ow; ++x) {
        float* best = out + ((b * oh + y) * ow + x) * c;
        std::fill(best, best + c, -std::numeric_limits<float>::infinity());
        std::fill(where.begin(), where.end(), 0);
        for (int64_t ky = 0; ky < win.kernel; ++ky) {
          const int64_t iy = y * win.stride - win.padding + ky;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < win.kernel; ++kx) {
            const int64_t ix = x * win.stride - win.padding + kx;
            if (ix < 0 || ix >= w) continue;
            const float* __restrict v = in + ((b * h + iy) * w + ix) * c;
            float* __restrict top = best;
            int32_t* __restrict at = where.data();
            const auto k = static_cast<int32_t>(ky * win.kernel + kx);
            for (int64_t ch = 0; ch < c; ++ch) {
              const float value = v[ch], current = top[ch];
              const int32_t previous = at[ch];
              const auto larger = static_cast<int32_t>(value > current);
              top[ch] = std::max(value, current);
              at[ch] = previous + (k - previous) * larger;
            }
          }
        }
        uint8_t* __restrict stored = place + ((b * oh + y) * ow + x) * c;
        const int32_t* __restrict found = where.data();
        for (int64_t ch = 0; ch < c; ++ch) stored[ch] = static_cast<uint8_t>(found[ch]);
      }
    }
  });
}

// Each input position gathers the gradients of the (few) windows covering it whose maximum it
// holds: every input value is written once, and rows can be split across threads without races.
void pool_backward(const float* grad_out, const uint8_t* place, float* grad_in, int64_t n, int64_t h, int64_t w,
                   int64_t c, int64_t oh, int64_t ow, const Window& win) {
  const int64_t k = win.kernel, s = win.stride, p = win.padding;
  // Windows y whose rows y*s-p .. y*s-p+k-1 contain row i (likewise for columns).
  auto first_window = [=](int64_t i) { return std::max<int64_t>(0, (i + p - k + s) / s); };
  auto last_window = [=](int64_t i, int64_t count) { return std::min<int64_t>(count - 1, (i + p) / s); };
  at::parallel_for(0, n * h, 1, [=](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / h, iy = row % h;
      for (int64_t ix = 0; ix < w; ++ix) {
        float* __restrict dst = grad_in + ((b * h + iy) * w + ix) * c;
        std::fill(dst, dst + c, 0.0f);
        for (int64_t y = first_window(iy); y <= last_window(iy, oh); ++y) {
          for (int64_t x = first_window(ix); x <= last_window(ix, ow); ++x) {
            const auto spot = static_cast<uint8_t>((iy - (y * s - p)) * k + (ix - (x * s - p)));
            const int64_t at = ((b * oh + y) * ow + x) * c;
            const float* __restrict g = grad_out + at;
            const uint8_t* __restrict where = place + at;
            for (int64_t ch = 0; ch < c; ++ch) {
              const float value = g[ch];
              dst[ch] += where[ch] == spot ? value : 0.0f;
            }
          }
        }
      }
    }
  });
}

// Contiguous memory: [N*C] planes of [H][W], each pooled by one thread. The same byte per output
// records where in its window the maximum was.
void planar_pool_forward(const float* in, float* out, uint8_t* place, int64_t planes, int64_t h, int64_t w,
                         int64_t oh, int64_t ow, const Window& win) {
  at::parallel_for(0, planes, 1, [=](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const float* __restrict src = in + plane * h * w;
      float* __restrict dst = out + plane * oh * ow;
      uint8_t* __restrict stored = place + plane * oh * ow;
      for (int64_t y = 0; y < oh; ++y) {
        const int64_t y0 = y * win.stride - win.padding;
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t x0 = x * win.stride - win.padding;
          float best = -std::numeric_limits<float>::infinity();
          int32_t at = 0;
          for (int64_t ky = std::max<int64_t>(0, -y0); ky < std::min(win.kernel, h - y0); ++ky) {
            const float* row = src + (y0 + ky) * w;
            for (int64_t kx = std::max<int64_t>(0, -x0); kx < std::min(win.kernel, w - x0); ++kx) {
              const float value = row[x0 + kx];
              if (value > best) {
                best = value;
                at = static_cast<int32_t>(ky * win.kernel + kx);
              }
            }
          }
          dst[y * ow + x] = best;
          stored[y * ow + x] = static_cast<uint8_t>(at);
        }
      }
    }
  });
}

// Each plane's gradient is zeroed and receives its windows' gradients at their maxima's places.
void planar_pool_backward(const float* grad_out, const uint8_t* place, float* grad_in, int64_t planes, int64_t h,
                          int64_t w, int64_t oh, int64_t ow, const Window& win) {
  at::parallel_for(0, planes, 1, [=](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      float* __restrict dst = grad_in + plane * h * w;
      const float* __restrict g = grad_out + plane * oh * ow;
      const uint8_t* __restrict where = place + plane * oh * ow;
      std::fill(dst, dst + h * w, 0.0f);
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t spot = where[y * ow + x];
          const int64_t iy = y * win.stride - win.padding + spot / win.kernel;
          const int64_t ix = x * win.stride - win.padding + spot % win.kernel;
          dst[iy * w + ix] += g[y * ow + x];
        }
    }
  });
}

struct FastMaxPool : torch::autograd::Function<FastMaxPool> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input, int64_t kernel,
                               int64_t stride, int64_t padding, bool ceil_mode) {
    const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
    const int64_t oh = pooled_length(h, kernel, stride, padding, ceil_mode);
    const int64_t ow = pooled_length(w, kernel, stride, padding, ceil_mode);
    const bool last = channels_last(input);
    const auto format = last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    torch::Tensor out = torch::empty({n, c, oh, ow}, input.options().memory_format(format));
    torch::Tensor place = torch::empty({n, c, oh, ow}, input.options().dtype(torch::kUInt8).memory_format(format));
    const Window win{kernel, stride, padding};
    if (last)
      pool_forward(input.data_ptr<float>(), out.data_ptr<float>(), place.data_ptr<uint8_t>(), n, h, w, c, oh, ow, win);
    else
      planar_pool_forward(input.data_ptr<float>(), out.data_ptr<float>(), place.data_ptr<uint8_t>(), n * c, h, w, oh,
                          ow, win);
    ctx->save_for_backward({place});
    ctx->saved_data["window"] = std::vector<int64_t>{kernel, stride, padding, h, w, last ? 1 : 0};
    ctx->mark_non_differentiable({place});
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor place = ctx->get_saved_variables()[0];
    const auto v = ctx->saved_data["window"].toIntVector();
    const int64_t n = place.size(0), c = place.size(1), oh = place.size(2), ow = place.size(3);
    const bool last = v[5] != 0;
    const auto format = last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    const torch::Tensor grad_out = grads[0].contiguous(format);
    torch::Tensor grad_in = torch::empty({n, c, v[3], v[4]}, grad_out.options().memory_format(format));
    const Window win{v[0], v[1], v[2]};
    if (last)
      pool_backward(grad_out.data_ptr<float>(), place.data_ptr<uint8_t>(), grad_in.data_ptr<float>(), n, v[3], v[4], c,
                    oh, ow, win);
    else
      planar_pool_backward(grad_out.data_ptr<float>(), place.data_ptr<uint8_t>(), grad_in.data_ptr<float>(), n * c,
                           v[3], v[4], oh, ow, win);
    return {grad_in, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// Backward finds the maxima again from the input rather than keeping autograd's int64 indices.
struct RecomputingMaxPool : torch::autograd::Function<RecomputingMaxPool> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input, int64_t kernel,
                               int64_t stride, int64_t padding, bool ceil_mode) {
    ctx->save_for_backward({input});
    ctx->saved_data["window"] = std::vector<int64_t>{kernel, stride, padding, ceil_mode ? 1 : 0};
    return torch::max_pool2d(input, kernel, stride, padding, 1, ceil_mode);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor input = ctx->get_saved_variables()[0];
    const auto v = ctx->saved_data["window"].toIntVector();
    const bool ceil_mode = v[3] != 0;
    const torch::Tensor indices = std::get<1>(torch::max_pool2d_with_indices(input, v[0], v[1], v[2], 1, ceil_mode));
    torch::Tensor grad =
        torch::max_pool2d_with_indices_backward(grads[0], input, v[0], v[1], v[2], 1, ceil_mode, indices);
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

int64_t pooled_length(int64_t n, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode) {
  const int64_t span = n + 2 * padding - kernel;
  if (span < 0) return 0;
  if (!ceil_mode) return span / stride + 1;
  int64_t size = (span + stride - 1) / stride + 1;
  if ((size - 1) * stride >= n + padding) --size;  // the last window must start inside the input
  return size;
}

torch::Tensor max_pool(const torch::Tensor& input, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode) {
  if (takes_fast_path(input, kernel)) return FastMaxPool::apply(input, kernel, stride, padding, ceil_mode);
  return RecomputingMaxPool::apply(input, kernel, stride, padding, ceil_mode);
}

}  // namespace impasto
