#include "transfer/objective.h"

#include <torch/torch.h>

#include <set>

#include "impasto/errors.h"
#include "transfer/losses.h"

namespace impasto {

std::vector<LayerWeight> parse_layer_weights(const std::string& text, const NetworkSpec& spec,
                                             const std::string& option_name) {
  std::vector<LayerWeight> layers;
  for (const std::string& item : layer_list_entries(text)) {
    LayerWeight layer;
    const auto colon = item.find(':');
    layer.layer = entry_layer(item);
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

std::vector<StyleRegion> Objective::blended_region(size_t styles, const std::vector<double>& blend) {
  StyleRegion region;
  for (size_t i = 0; i < styles; ++i) region.sources.push_back({i, {}, blend.empty() ? 1.0 : blend[i]});
  return {region};
}

Objective::Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
                     const std::vector<torch::Tensor>& styles, const std::vector<double>& blend)
    : network_(network) {
  const TermInputs inputs{network, config, content, styles, blend};
  for (const auto& kind : loss_term_kinds()) {
    auto term = kind.make(inputs);
    if (!term) continue;
    for (const auto& tap : term->taps()) tap_users_[tap].push_back(terms_.size());
    terms_.push_back(std::move(term));
  }
}

void Objective::focus(const ImageWindow& window) {
  for (auto& term : terms_) term->focus(window);
}

TermDetail Objective::detail(const std::string& name) const {
  for (const auto& term : terms_)
    if (term->name() == name) return term->detail();
  return {};
}

LossValues Objective::evaluate(const torch::Tensor& image) {
  LossValues result = evaluate_once(image);
  result.repeat = network_.gradient_overflowed() && network_.lower_gradient_scale();
  return result;
}

LossValues Objective::evaluate_once(const torch::Tensor& image) {
  std::vector<torch::Tensor> values(terms_.size());
  torch::Tensor total;
  auto add = [&](size_t i, const torch::Tensor& loss) {
    if (!loss.defined()) return;
    values[i] = values[i].defined() ? values[i] + loss.detach() : loss.detach();
    total = total.defined() ? total + loss : loss;
  };
  if (!tap_users_.empty())
    network_.forward(image, [&](const std::string& tap, const torch::Tensor& features) {
      const auto users = tap_users_.find(tap);
      if (users == tap_users_.end()) return;
      for (const size_t i : users->second) add(i, terms_[i]->at_tap(tap, features));
    });
  for (size_t i = 0; i < terms_.size(); ++i) add(i, terms_[i]->at_image(image));
  if (total.defined() && total.requires_grad()) total.backward();
  else if (image.is_leaf() && image.requires_grad() && !image.grad().defined()) image.mutable_grad() = torch::zeros_like(image);

  LossValues result;
  for (size_t i = 0; i < terms_.size(); ++i) {
    const double value = values[i].defined() ? values[i].item<double>() : 0.0;
    result.terms.emplace_back(terms_[i]->name(), value);
    result.total += value;
  }
  return result;
}

ObjectiveConfig objective_config_for(const Options& options, const NetworkSpec& spec) {
  ObjectiveConfig config;
  config.content_layers = parse_layer_weights(
      options.content_layers.empty() ? spec.default_content_layers : options.content_layers, spec, "--content-layers");
  config.style_layers = parse_layer_weights(
      options.style_layers.empty() ? spec.default_style_layers : options.style_layers, spec, "--style-layers");
  config.content_weight = options.content.empty() ? 0.0 : options.content_weight;
  config.style_weight = options.style_weight;
  config.tv_weight = options.tv_weight;
  config.normalize_gradients = options.normalize_gradients;
  config.style_statistic = options.style_loss;
  config.mrf.semantic_weight = options.semantic_weight;
  config.matting_weight = options.photorealistic;
  return config;
}

}  // namespace impasto
