#pragma once
#include <string>

#include "weights/weight_source.h"

namespace impasto {

// TensorFlow/Keras kernel [kh][kw][in][out] -> PyTorch [out][in][kh][kw], contiguous.
torch::Tensor hwio_to_oihw(const torch::Tensor& kernel);
// Caffe kernel exported channels-last [out][kh][kw][in] -> PyTorch [out][in][kh][kw], contiguous.
torch::Tensor ohwi_to_oihw(const torch::Tensor& kernel);

// Pairs a PyTorch-layout weight with its bias after checking that the bias is 1-D with one element
// per output channel. An undefined bias stands for a convolution built without one: zeros.
// `where` names the file, `bias_name` the bias as the file names it; both go into the error.
ConvParams make_conv_params(torch::Tensor weight, torch::Tensor bias, const std::string& where,
                            const std::string& bias_name);

// "[3,3,64,128]"
std::string shape_text(torch::IntArrayRef shape);

}  // namespace impasto
