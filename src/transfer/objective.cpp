#include "transfer/objective.h"

#include <torch/torch.h>

#include <set>
#include <sstream>

#include "impasto/errors.h"
#include "transfer/losses.h"

namespace impasto {

std::vector<LayerWeight> parse_layer_weights(const std::string& text, const NetworkSpec& spec,
                                             const std::string& option_name) {
  std::vector<LayerWeight> layers;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    LayerWeight layer;
    const auto colon = item.find(':');
    layer.layer = item.substr(0, colon);
    if (colon != std::string::npos) {
      const std::string number = item.substr(colon + 1);
      try {
        size_t used = 0;
        layer.weight = std::stod(number, &used);
        if (used != number.size()) throw std::invalid_argument(number);
      } catch (const std::exception&) {
        throw InputError(option_name + ": weight '" + number + "' of layer " + layer.layer + " is not a number");
      }
      if (layer.weight < 0) throw InputError(option_name + ": weight of layer " + layer.layer + " is negative");
    }
    spec.node(layer.layer);  // throws for unknown names, listing the valid ones
    layers.push_back(layer);
  }
  if (layers.empty()) throw InputError(option_name + " names no layer");
  double sum = 0;
  for (const auto& layer : layers) sum += layer.weight;
  if (sum <= 0) throw InputError(option_name + ": layer weights sum to zero");
  for (auto& layer : layers) layer.weight /= sum;
  return layers;
}

std::vector<std::string> Objective::taps(const ObjectiveConfig& config) {
  std::set<std::string> names;
  for (const auto& layer : config.content_layers) names.insert(layer.layer);
  for (const auto& layer : config.style_layers) names.insert(layer.layer);
  return {names.begin(), names.end()};
}

Objective::Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
                     const std::vector<torch::Tensor>& styles, const std::vector<double>& blend)
    : network_(network), config_(std::move(config)) {
  torch::NoGradGuard no_grad;
  auto norm_of = [](const torch::Tensor& t) { return t.square().sum().item<double>() + 1e-8; };
  if (content.defined() && config_.content_weight > 0) {
    auto features = network_.forward(content);
    for (const auto& layer : config_.content_layers) {
      torch::Tensor value = features.at(layer.layer);
      content_targets_.push_back({layer.layer, layer.weight * config_.content_weight, value, norm_of(value)});
    }
  }
  double blend_sum = 0;
  for (size_t i = 0; i < styles.size(); ++i) blend_sum += blend.empty() ? 1.0 : blend[i];
  std::vector<torch::Tensor> grams(config_.style_layers.size());
  for (size_t i = 0; i < styles.size(); ++i) {
    const double share = (blend.empty() ? 1.0 : blend[i]) / blend_sum;
    if (share == 0) continue;
    auto features = network_.forward(styles[i]);
    for (size_t l = 0; l < config_.style_layers.size(); ++l) {
      torch::Tensor gram = gram_matrix(features.at(config_.style_layers[l].layer)) * share;
      grams[l] = grams[l].defined() ? grams[l] + gram : gram;
    }
  }
  for (size_t l = 0; l < config_.style_layers.size(); ++l) {
    const auto& layer = config_.style_layers[l];
    style_targets_.push_back({layer.layer, layer.weight * config_.style_weight, grams[l], norm_of(grams[l])});
  }
}

LossValues Objective::evaluate(const torch::Tensor& image) {
  torch::Tensor content = torch::zeros({}, image.options());
  torch::Tensor style = torch::zeros({}, image.options());
  torch::Tensor total = torch::zeros({}, image.options());
  auto add = [&](torch::Tensor& part, const torch::Tensor& loss, double weight) {
    part = part + loss.detach() * weight;
    total = total + loss * weight;
  };
  network_.forward(image, [&](const std::string& layer, const torch::Tensor& features) {
    auto branch = [&](const Target& target) {
      return config_.normalize_gradients ? normalize_gradient(features, target.weight) : features;
    };
    for (const auto& target : content_targets_)
      if (target.layer == layer) add(content, relative_squared_error(branch(target), target.value, target.norm), target.weight);
    for (const auto& target : style_targets_)
      if (target.layer == layer)
        add(style, relative_squared_error(gram_matrix(branch(target)), target.value, target.norm), target.weight);
  });
  torch::Tensor tv = torch::zeros({}, image.options());
  if (config_.tv_weight > 0) {
    tv = total_variation(image) * config_.tv_weight;
    total = total + tv;
  }
  total.backward();
  return {content.item<double>(), style.item<double>(), tv.item<double>(), total.item<double>()};
}

}  // namespace impasto
