#pragma once
#include <torch/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nets/network_spec.h"

namespace impasto {

class WeightSource;

struct NetworkConfig {
  bool average_pooling = false;  // --pooling avg
  bool channels_last = true;     // oneDNN's preferred layout; on the GPU used in fp16/bf16 (tensor cores)
  torch::Device device = torch::kCPU;
  // kDouble for finite-difference tests. kHalf or kBFloat16: the layers compute in that type, while the
  // image goes in and the taps come out as kFloat, so that Gram matrices and losses stay fp32.
  torch::Dtype dtype = torch::kFloat;
  // How the image is fed to the first layer; unset: resolve_input_convention(spec, weights, "auto").
  std::optional<InputConvention> input;
};

// The input convention a network built from these weights should use. choice: "auto" (the weights
// file's own, else the network's default) or a preset name (caffe, torchvision, matconvnet; the file's
// or the network's numbers when their convention has that name, else the preset's). `source`, when
// given, receives where the answer came from: "weights file", "--input-convention" or "network default".
InputConvention resolve_input_convention(const NetworkSpec& spec, const WeightSource* weights,
                                         const std::string& choice, std::string* source = nullptr);

// A backbone built from its NetworkSpec, only as deep as the requested taps need. Parameters never
// require gradients: only the image is optimised, so backward skips every weight gradient.
class Network {
 public:
  // weights == nullptr: random (He-initialised) parameters, for benchmarks and tests.
  Network(const NetworkSpec& spec, const WeightSource* weights, const std::vector<std::string>& taps,
          const NetworkConfig& config = {});

  // The image as the first layer sees it under the network's input convention.
  torch::Tensor preprocess(const torch::Tensor& image) const;
  const InputConvention& input_convention() const { return config_.input.value(); }

  // image: [1,3,H,W] RGB in 0..1. Returns the requested taps by name.
  std::map<std::string, torch::Tensor> forward(const torch::Tensor& image) const;

  // Calls on_tap for each requested tap as soon as it is computed, keeping no reference to it.
  // Losses computed inside the callback enter the autograd graph next to their layer, so backward
  // produces their gradients only when it reaches that layer instead of holding them all from the
  // start (at 960 px this is hundreds of MB less at the peak).
  using TapFn = std::function<void(const std::string& name, const torch::Tensor& features)>;
  void forward(const torch::Tensor& image, const TapFn& on_tap) const;

  const NetworkSpec& spec() const { return spec_; }
  // Output shape of every built node for an input of height x width (no computation).
  struct NodeShape {
    const NodeSpec* spec;
    int64_t channels, height, width;           // output
    int64_t in_channels, in_height, in_width;  // first input
  };
  std::vector<NodeShape> shapes(int64_t height, int64_t width) const;
  // Throws InputError when an input of this size leaves some built layer with no pixels.
  void check_input_size(int64_t height, int64_t width) const;
  // Built convolutions and their parameters (for benchmarks).
  struct BuiltConv {
    const NodeSpec* spec;
    torch::Tensor weight, bias;
  };
  std::vector<BuiltConv> convolutions() const;

  // fp16 only: gradients are multiplied by gradient_scale() where they enter the half-precision layers
  // and divided by it where they leave, so that small ones do not vanish below fp16's range. A
  // backward pass whose gradient overflowed gives the image none and sets gradient_overflowed() (until
  // the next forward); lower_gradient_scale() then halves the scale, and returns false once it is 1.
  bool scales_gradients() const { return config_.dtype == torch::kHalf; }
  double gradient_scale() const { return gradient_scale_; }
  bool gradient_overflowed() const { return overflowed_->load(); }
  bool lower_gradient_scale() const;

 private:
  struct Node {
    const NodeSpec* spec;
    std::vector<size_t> inputs;  // indices into nodes_; SIZE_MAX = the image
    torch::Tensor weight, bias;
    size_t last_use = 0;         // index of the last node reading this output
    bool is_tap = false;
  };

  const NetworkSpec& spec_;
  NetworkConfig config_;  // input always set
  std::vector<Node> nodes_;
  torch::Tensor input_scale_, input_offset_;  // [1,3,1,1]: preprocess is image * scale - offset
  mutable double gradient_scale_ = 65536;     // fp16's starting scale, as automatic mixed precision's
  std::shared_ptr<std::atomic<bool>> overflowed_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace impasto
