#include "transfer/losses.h"

#include <torch/torch.h>

#include "runtime/blas.h"

namespace impasto {
namespace {

// Flattened [C, HW] view without copying; for channels-last features this is a transposed layout
// that BLAS consumes directly.
torch::Tensor flatten_positions(const torch::Tensor& features) {
  return features.reshape({features.size(1), features.size(2) * features.size(3)});
}

struct GramFunction : torch::autograd::Function<GramFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& features) {
    ctx->save_for_backward({features});
    const torch::Tensor f = flatten_positions(features);
    return parallel_gram(f, 1.0 / static_cast<double>(f.size(1)));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor features = ctx->get_saved_variables()[0];
    const torch::Tensor f = flatten_positions(features);
    const torch::Tensor symmetric = (grads[0] + grads[0].t()).div_(static_cast<double>(f.size(1)));
    // d/dF of <G_grad, F F^T> = (G_grad + G_grad^T) F; computed as (F^T S)^T so that the result comes
    // out in the features' own memory layout.
    torch::Tensor grad;
    if (features.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      grad = parallel_mm(f.t(), symmetric)  // [HW, C], row-major = channels-last memory
                 .view({features.size(0), features.size(2), features.size(3), features.size(1)})
                 .permute({0, 3, 1, 2});
    } else {
      grad = parallel_mm(symmetric, f).view(features.sizes());
    }
    return {grad};
  }
};

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& features) { return GramFunction::apply(features); }

torch::Tensor relative_squared_error(const torch::Tensor& x, const torch::Tensor& target, double target_norm) {
  return (x - target).square().sum() / target_norm;
}

namespace {

// Neighbour differences along one spatial dimension (2: rows, 3: columns).
torch::Tensor differences(const torch::Tensor& image, int64_t dim) {
  const int64_t n = image.size(dim);
  return image.narrow(dim, 1, n - 1) - image.narrow(dim, 0, n - 1);
}

// mean(dy^2) + mean(dx^2) with a hand-written backward: autograd's would zero-fill and copy a
// full-image gradient for each of the four slices.
struct TotalVariationFunction : torch::autograd::Function<TotalVariationFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& image) {
    const torch::Tensor dy = differences(image, 2), dx = differences(image, 3);
    ctx->save_for_backward({dy, dx});
    return dy.square().mean() + dx.square().mean();
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor dy = saved[0] * (grads[0] * (2.0 / saved[0].numel()));
    const torch::Tensor dx = saved[1] * (grads[0] * (2.0 / saved[1].numel()));
    const int64_t h = dy.size(2) + 1, w = dx.size(3) + 1;
    torch::Tensor grad = torch::zeros({dy.size(0), dy.size(1), h, w}, dy.options());
    grad.narrow(2, 1, h - 1).add_(dy);
    grad.narrow(2, 0, h - 1).sub_(dy);
    grad.narrow(3, 1, w - 1).add_(dx);
    grad.narrow(3, 0, w - 1).sub_(dx);
    return {grad};
  }
};

}  // namespace

torch::Tensor total_variation(const torch::Tensor& image) { return TotalVariationFunction::apply(image); }

torch::Tensor normalize_gradient(const torch::Tensor& x, double weight) {
  // A fresh view gives the loss branch its own gradient, so deeper layers' gradients are untouched.
  torch::Tensor branch = x.view_as(x);
  branch.register_hook([weight](torch::Tensor grad) { return grad * (weight / (grad.abs().sum().item<double>() + 1e-8)); });
  return branch;
}

}  // namespace impasto
