#pragma once
// The real TF.js vgg19-partial as a reference for the other weight formats: tests write its
// convolutions out in their format, read them back through open_weights and compare features.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "image/image_io.h"
#include "nets/network.h"
#include "nets/network_spec.h"
#include "test_support.h"
#include "weights/weight_source.h"

namespace impasto::testing {

// One VGG-19 convolution under its names in the common distributions.
struct Vgg19Conv {
  std::string keras;        // block1_conv1
  std::string matconvnet;   // conv1_1
  std::string torchvision;  // features.0
  ConvParams params;        // PyTorch layout
};

// The convolutions of ../shared/models/vgg19-partial (loaded once); empty when it is absent.
inline const std::vector<Vgg19Conv>& vgg19_partial_convs() {
  static const std::vector<Vgg19Conv> convs = [] {
    std::vector<Vgg19Conv> out;
    if (!std::filesystem::exists(vgg19_partial_dir() / "model.json")) return out;
    auto source = open_weights(vgg19_partial_dir());
    for (const NodeSpec& node : network_spec("vgg19").nodes) {
      if (node.op != NodeOp::Conv) continue;
      const auto& names = node.weight_names;  // {conv1_1, block1_conv1, features.0}
      const auto present = source->layers();
      if (std::find(present.begin(), present.end(), names[1]) == present.end()) break;
      out.push_back({names[1], names[0], names[2], source->conv(names[1])});
    }
    return out;
  }();
  return convs;
}

// relu3_1 of a small tubingen.jpg through VGG-19 with these weights.
inline torch::Tensor vgg19_relu3_1(const WeightSource& weights) {
  static const torch::Tensor image = resize_longest(load_image(shared_image("tubingen.jpg").string(), "image"), 96);
  Network net(network_spec("vgg19"), &weights, {"relu3_1"});
  return net.forward(image).at("relu3_1");
}

// Expects `weights` to give the TF.js original's relu3_1 features to 1e-5 relative.
inline void expect_vgg19_features_match_tfjs(const WeightSource& weights) {
  static const torch::Tensor reference = vgg19_relu3_1(*open_weights(vgg19_partial_dir()));
  const torch::Tensor features = vgg19_relu3_1(weights);
  ASSERT_EQ(features.sizes(), reference.sizes());
  const double scale = reference.abs().max().item<double>();
  ASSERT_GT(scale, 0.0);
  EXPECT_LE((features - reference).abs().max().item<double>() / scale, 1e-5) << weights.format();
}

}  // namespace impasto::testing
