#pragma once
#include <array>
#include <string>
#include <vector>

#include "weights/input_convention.h"

namespace impasto {

// A backbone as data: nodes in topological order, interpreted by one builder (network.h).
enum class NodeOp { Conv, Pool, Concat, LocalResponseNorm, Add };

struct NodeSpec {
  std::string name;                  // the tap name users pass to --content-layers / --style-layers
  NodeOp op = NodeOp::Conv;
  std::vector<std::string> inputs;   // empty: the previous node (or the image for the first node)
  // Conv: weights are looked up under any of these names; output is post-ReLU when relu is set
  // (Add: ReLU of the sum).
  std::vector<std::string> weight_names;
  // Conv: a batch normalisation following it, folded into its weights at load time (ResNet).
  std::vector<std::string> batch_norm_names;
  int in_channels = 0, out_channels = 0;
  int kernel = 1, stride = 1, padding = 0;  // Conv and Pool
  bool relu = true;
  bool ceil_mode = false;            // Pool (Caffe rounds pooled sizes up)
  // LocalResponseNorm across channels, as Caffe: x / (k + alpha/size * sum of squares)^beta.
  int lrn_size = 5;
  double lrn_alpha = 1e-4, lrn_beta = 0.75, lrn_k = 1.0;
};

struct NetworkSpec {
  std::string name;                  // "squeezenet", "vgg19", "vgg16", "googlenet", "resnet50"
  std::string description;           // one line for `impasto models`
  std::vector<NodeSpec> nodes;
  // How the network's usual weights expect the image, for files that do not declare their own
  // (WeightSource::input_convention): Caffe's BGR 0..255 minus the ImageNet mean for all of them.
  InputConvention input = caffe_input();
  std::vector<std::string> default_weights;  // candidate paths relative to a model directory
  std::string default_content_layers;
  std::string default_style_layers;  // "name:weight,..." or plain names (equal weights)
  int channels(const std::string& node) const;
  const NodeSpec& node(const std::string& name) const;  // throws InputError listing valid names
  std::vector<std::string> tap_names() const;
};

// The entries of a layer list as --content-layers / --style-layers and the defaults spell it:
// "relu1_1,relu2_1:0.5" -> {"relu1_1", "relu2_1:0.5"}; empty entries are skipped.
std::vector<std::string> layer_list_entries(const std::string& list);
// The layer an entry names: "relu2_1:0.5" -> "relu2_1".
std::string entry_layer(const std::string& entry);

const NetworkSpec& network_spec(const std::string& name);  // throws InputError for unknown names
std::vector<std::string> network_names();

}  // namespace impasto
