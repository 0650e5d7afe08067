#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace impasto {

// A Caffe network definition (deploy.prototxt), reduced to what building and checking a
// backbone needs. Sizes given once in the file apply to both height and width.
struct CaffeConvolution {
  int num_output = 0;
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dilation = 1;
  int group = 1;
  bool bias_term = true;
};

struct CaffePooling {
  std::string pool = "MAX";  // "MAX", "AVE" or "STOCHASTIC"
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  bool global_pooling = false;
};

struct CaffeLrn {
  int local_size = 5;
  double alpha = 1.0, beta = 0.75, k = 1.0;
  bool within_channel = false;  // norm_region: WITHIN_CHANNEL
};

struct CaffeLayer {
  std::string name;
  std::string type;  // current Caffe spelling ("Convolution"); legacy enums (CONVOLUTION) are mapped
  std::vector<std::string> bottoms, tops;
  CaffeConvolution convolution;  // Convolution layers
  CaffePooling pooling;          // Pooling layers
  CaffeLrn lrn;                  // LRN layers
  int concat_axis = 1;           // Concat layers
  int inner_product_outputs = 0; // InnerProduct layers
};

struct CaffeNet {
  std::string name;
  std::string input;                 // the input blob ("data")
  std::vector<int64_t> input_shape;  // [N,C,H,W] as declared; empty when the file declares none
  std::vector<CaffeLayer> layers;    // in file order
  const CaffeLayer* find(const std::string& layer_name) const;  // nullptr when absent
};

// Parses `layer {` and legacy `layers {` definitions; the input comes from `input` + `input_dim`
// (x4), `input_shape { dim }` or an Input layer. Throws InputError naming `where` and the line.
CaffeNet parse_caffe_prototxt(const std::string& text, const std::string& where);
CaffeNet read_caffe_prototxt(const std::filesystem::path& path);

// Weight shape [out, in/group, kh, kw] of every Convolution whose input channel count follows from
// the graph: channels flow from the input through Convolution (num_output), Concat along axis 1
// (sum) and element-wise layers (ReLU, Pooling, LRN, Dropout, Split, ...: unchanged). Anything
// else (InnerProduct, Flatten, ...) leaves its outputs unknown.
std::map<std::string, std::array<int64_t, 4>> caffe_convolution_shapes(const CaffeNet& net);

}  // namespace impasto
