#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

#include "nets/network.h"

namespace impasto {

struct LayerWeight {
  std::string layer;
  double weight = 1.0;
};

// Parses "relu1_1:0.2,relu2_1" into layers with weights (missing weight: 1), checking every name
// against the network, then scales the weights to sum to 1 so that --style-weight does not depend
// on how many layers are used.
std::vector<LayerWeight> parse_layer_weights(const std::string& text, const NetworkSpec& spec,
                                             const std::string& option_name);

struct LossValues {
  double content = 0, style = 0, tv = 0, total = 0;
};

struct ObjectiveConfig {
  std::vector<LayerWeight> content_layers;
  std::vector<LayerWeight> style_layers;
  double content_weight = 1.0, style_weight = 1.0, tv_weight = 0.0;
  bool normalize_gradients = false;
};

// The loss of an image against fixed targets: content features and (blended) Gram matrices. It
// knows taps and targets only, never which network produced them.
class Objective {
 public:
  // content: [1,3,H,W] or undefined (texture synthesis); styles with blend weights (any sum).
  Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
            const std::vector<torch::Tensor>& styles, const std::vector<double>& blend);

  // Computes the losses and accumulates d(total)/d(image) into image.grad().
  LossValues evaluate(const torch::Tensor& image);

  // The layers the network must produce for this objective.
  static std::vector<std::string> taps(const ObjectiveConfig& config);

 private:
  struct Target {
    std::string layer;
    double weight;        // layer weight * loss weight
    torch::Tensor value;  // features (content) or Gram matrix (style)
    double norm;          // sum(value^2)
  };
  const Network& network_;
  ObjectiveConfig config_;
  std::vector<Target> content_targets_, style_targets_;
};

}  // namespace impasto
