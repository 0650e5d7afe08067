#include "nets/identify_network.h"

#include <set>

#include "impasto/errors.h"
#include "nets/network_spec.h"
#include "weights/weight_source.h"

namespace impasto {

std::string identify_network(const WeightSource& weights) {
  const std::vector<std::string> present = weights.layers();
  const std::set<std::string> available(present.begin(), present.end());
  std::string best;
  std::pair<bool, size_t> best_score{false, 0};  // (every convolution present, how many present)
  for (const auto& name : network_names()) {
    const NetworkSpec& spec = network_spec(name);
    size_t convs = 0, matched = 0;
    const NodeSpec* first = nullptr;
    std::string first_file_name;
    for (const auto& node : spec.nodes) {
      if (node.op != NodeOp::Conv) continue;
      ++convs;
      for (const auto& alias : node.weight_names) {
        if (!available.count(alias)) continue;
        ++matched;
        if (!first) {
          first = &node;
          first_file_name = alias;
        }
        break;
      }
    }
    // A partial file (vgg19-partial) holds the first layers of a network and nothing else.
    const std::pair<bool, size_t> score{matched == convs, matched};
    if (!first || first != &spec.nodes.front() || score <= best_score) continue;
    if (matched < convs && matched < available.size()) continue;
    try {
      const ConvParams params = weights.conv(first_file_name);
      if (params.weight.dim() != 4 || params.weight.size(0) != first->out_channels ||
          params.weight.size(1) != first->in_channels || params.weight.size(2) != first->kernel)
        continue;
    } catch (const InputError&) {
      continue;
    }
    best = name;
    best_score = score;
  }
  return best;
}

}  // namespace impasto
