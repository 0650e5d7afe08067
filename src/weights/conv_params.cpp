#include "weights/conv_params.h"

#include <impasto/errors.h>

namespace impasto {

torch::Tensor hwio_to_oihw(const torch::Tensor& kernel) { return kernel.permute({3, 2, 0, 1}).contiguous(); }

torch::Tensor ohwi_to_oihw(const torch::Tensor& kernel) { return kernel.permute({0, 3, 1, 2}).contiguous(); }

ConvParams make_conv_params(torch::Tensor weight, torch::Tensor bias, const std::string& where,
                            const std::string& bias_name) {
  const int64_t out = weight.size(0);
  if (!bias.defined()) return {std::move(weight), torch::zeros({out})};
  if (bias.dim() != 1 || bias.size(0) != out)
    throw InputError(where + ": '" + bias_name + "' has shape " + shape_text(bias.sizes()) + " (" +
                     std::to_string(bias.numel()) + " elements) but the kernel has " + std::to_string(out) +
                     " output channels");
  return {std::move(weight), bias.contiguous()};
}

std::string shape_text(torch::IntArrayRef shape) {
  std::string t = "[";
  for (size_t i = 0; i < shape.size(); ++i) t += (i ? "," : "") + std::to_string(shape[i]);
  return t + "]";
}

}  // namespace impasto
