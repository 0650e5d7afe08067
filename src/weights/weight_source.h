#pragma once
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "impasto/input_convention.h"

namespace impasto {

// One convolution's parameters in PyTorch layout: weight [out][in][kh][kw], bias [out], float32, contiguous.
struct ConvParams {
  torch::Tensor weight;
  torch::Tensor bias;
};

// Inference-time batch normalisation after a convolution (ResNet); folded into it at load time:
// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta. Vectors of [channels], float32.
struct BatchNormParams {
  torch::Tensor gamma, beta, mean, variance;
  double epsilon = 1e-3;
};

// A weight file opened by one of the format readers. Layers are named as the file names them
// ("conv1", "fire2/squeeze1x1", "block1_conv1", "features.0"); the network table maps its own layer
// names onto these through per-layer aliases. Readers convert to PyTorch layout themselves.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Convolution layers present in the file, in file order.
  virtual std::vector<std::string> layers() const = 0;
  // Parameters of one layer; throws InputError when it is absent or malformed.
  virtual ConvParams conv(const std::string& layer) const = 0;
  // A batch-normalisation layer by the file's name for it ("bn2a_branch2a"); throws InputError when
  // absent. Formats that cannot hold one keep this default.
  virtual BatchNormParams batch_norm(const std::string& layer) const;
  // A short name of the format, for messages and reports ("MAT-file", "TensorFlow.js", "PyTorch").
  virtual std::string format() const = 0;
  // How the weights expect the image, when the file says so (MatConvNet's normalization) or is known
  // by its name (weights/input_convention.h); nothing otherwise: the network's default then applies.
  virtual std::optional<InputConvention> input_convention() const { return std::nullopt; }
};

// Opens a weight file or model directory, choosing the reader from its content and name.
// Throws InputError naming the path and the problem for anything unreadable.
std::unique_ptr<WeightSource> open_weights(const std::filesystem::path& path);

}  // namespace impasto
