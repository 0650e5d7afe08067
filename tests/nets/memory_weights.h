#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "weights/input_convention.h"
#include "weights/weight_source.h"

namespace impasto::testing {

// A weight source held in memory, for hand-made networks.
class MemoryWeights : public WeightSource {
 public:
  std::map<std::string, ConvParams> convs;
  std::map<std::string, BatchNormParams> norms;
  std::optional<InputConvention> declared;  // the file's own input convention, if it has one

  std::vector<std::string> layers() const override {
    std::vector<std::string> names;
    for (const auto& [name, params] : convs) names.push_back(name);
    return names;
  }
  ConvParams conv(const std::string& layer) const override { return convs.at(layer); }
  BatchNormParams batch_norm(const std::string& layer) const override {
    auto it = norms.find(layer);
    if (it == norms.end()) return WeightSource::batch_norm(layer);
    return it->second;
  }
  std::string format() const override { return "memory"; }
  std::optional<InputConvention> input_convention() const override { return declared; }
};

}  // namespace impasto::testing
