#include "nets/partial_weights.h"

#include <algorithm>
#include <vector>

#include "weights/weight_source.h"

namespace impasto {

std::set<std::string> computable_nodes(const NetworkSpec& spec, const WeightSource& weights) {
  const std::vector<std::string> present = weights.layers();
  const std::set<std::string> in_file(present.begin(), present.end());
  std::set<std::string> computable;
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    const NodeSpec& node = spec.nodes[i];
    bool ok = node.op != NodeOp::Conv || std::any_of(node.weight_names.begin(), node.weight_names.end(),
                                                     [&](const std::string& name) { return in_file.count(name); });
    if (node.inputs.empty())
      ok = ok && (i == 0 || computable.count(spec.nodes[i - 1].name));
    else
      for (const auto& input : node.inputs) ok = ok && computable.count(input);
    if (ok) computable.insert(node.name);
  }
  return computable;
}

std::optional<LayerChoice> defaults_within(const NetworkSpec& spec, const std::set<std::string>& computable) {
  std::string style, deepest;
  bool all = true;
  for (const auto& entry : layer_list_entries(spec.default_style_layers)) {
    if (!computable.count(entry_layer(entry))) {
      all = false;
      continue;
    }
    style += (style.empty() ? "" : ",") + entry;
    deepest = entry_layer(entry);
  }
  if (style.empty()) return std::nullopt;
  std::string content;
  for (const auto& entry : layer_list_entries(spec.default_content_layers)) {
    if (computable.count(entry_layer(entry)))
      content += (content.empty() ? "" : ",") + entry;
    else
      all = false;
  }
  if (all) return std::nullopt;
  return LayerChoice{content.empty() ? deepest : content, style};
}

std::optional<DefaultsCut> cut_defaults(const NetworkSpec& spec, const std::set<std::string>& computable,
                                        const LayerChoice& named) {
  const auto cut = defaults_within(spec, computable);
  if (!cut) return std::nullopt;
  DefaultsCut result{named, ""};
  if (named.content_layers.empty() && cut->content_layers != spec.default_content_layers) {
    result.layers.content_layers = cut->content_layers;
    result.told = "content layer " + cut->content_layers + " (default " + spec.default_content_layers + ")";
  }
  if (named.style_layers.empty() && cut->style_layers != spec.default_style_layers) {
    result.layers.style_layers = cut->style_layers;
    result.told += (result.told.empty() ? "" : ", ") + std::string("style layers ") + cut->style_layers +
                   " (default " + spec.default_style_layers + ")";
  }
  if (result.told.empty()) return std::nullopt;  // only layers named by the user were missing
  return result;
}

}  // namespace impasto
