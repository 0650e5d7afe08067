#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

#include "nets/network.h"

namespace impasto {

// One iteration's layer work of a network, cut down to a strip of rows: every convolution (with its
// ReLU), pooling and Gram matrix of the taps, at the real channel counts and width, each forward
// plus its input gradient, as an iteration runs them. Identical layers are timed once and counted
// as often as they occur. The rows are chosen so that a pass costs about `target_gflop`, but at
// least two output rows per layer. The weights are random (He-initialised), which times the same;
// the process's random generator is left as it was.
class StripBenchmark {
 public:
  StripBenchmark(const NetworkSpec& spec, const NetworkConfig& config, const std::vector<std::string>& taps,
                 int64_t height, int64_t width, double target_gflop);

  // One pass in the given layout, under the current process settings (oneDNN on or off, BLAS
  // threading): each layer's time scaled by its full rows over its strip's rows and by its count,
  // i.e. an estimate of the whole image's layer work in seconds. Inputs are made once per layout,
  // outside the timing.
  double run(bool channels_last);
  double strip_gflop() const { return strip_gflop_; }

 private:
  enum class Kind { Conv, MaxPool, AvgPool, Gram };
  struct Layer {
    Kind kind;
    int64_t kernel = 1, stride = 1, padding = 0;
    bool ceil_mode = false;
    torch::Tensor weight, bias;          // convolutions (contiguous; converted per layout)
    std::vector<int64_t> input_shape;    // the strip
    double factor = 1;                   // full rows / strip rows, times the identical layers' count
  };
  struct Prepared {
    torch::Tensor input, weight, grad;   // in one layout
  };
  std::vector<Layer> layers_;
  std::vector<Prepared> prepared_[2];    // [channels_last]
  double strip_gflop_ = 0;

  void prepare(bool channels_last);
};

}  // namespace impasto
