#include "transfer/objective.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>

#include "image/masks.h"
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

namespace {
double norm_of(const torch::Tensor& t) { return t.square().sum().item<double>() + 1e-8; }
}  // namespace

void Objective::set_content(const torch::Tensor& content) {
  torch::NoGradGuard no_grad;
  content_targets_.clear();
  if (!content.defined() || config_.content_weight <= 0) return;
  auto features = network_.forward(content);
  for (const auto& layer : config_.content_layers) {
    torch::Tensor value = features.at(layer.layer);
    content_targets_.push_back({layer.layer, layer.weight * config_.content_weight, value, norm_of(value)});
  }
}

Objective::Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
                     const std::vector<torch::Tensor>& styles, const std::vector<double>& blend)
    : network_(network),
      config_(std::move(config)),
      statistic_(style_statistic(config_.style_statistic)),
      regions_(config_.style_regions.empty() ? blended_region(styles.size(), blend) : config_.style_regions) {
  torch::NoGradGuard no_grad;
  for (const auto& region : regions_) whole_guides_.push_back(region.guide);
  set_content(content);
  // Each region's target per layer: the share-weighted mean of its sources' summaries. Every style
  // image goes through the network once, whatever the number of regions using it.
  const size_t layers = config_.style_layers.size();
  std::vector<double> share_sums(regions_.size(), 0.0);
  for (size_t r = 0; r < regions_.size(); ++r)
    for (const auto& source : regions_[r].sources) share_sums[r] += source.share;
  std::vector<std::vector<std::vector<torch::Tensor>>> sums(regions_.size(), std::vector<std::vector<torch::Tensor>>(layers));
  std::vector<torch::Tensor> constants(layers);
  for (size_t i = 0; i < styles.size(); ++i) {
    std::map<std::string, torch::Tensor> features;
    for (size_t r = 0; r < regions_.size(); ++r) {
      for (const auto& source : regions_[r].sources) {
        if (source.style != i || source.share <= 0 || regions_[r].weight <= 0) continue;
        if (features.empty()) features = network_.forward(styles[i]);
        for (size_t l = 0; l < layers; ++l) {
          const torch::Tensor& f = features.at(config_.style_layers[l].layer);
          if (!constants[l].defined()) constants[l] = statistic_.layer_constant(f.size(1), f.options());
          const torch::Tensor guide = source.guide.defined() ? resize_mask(source.guide.to(f.options()), f.size(2), f.size(3))
                                                             : torch::Tensor();
          auto parts = statistic_.summarise(f, guide, constants[l]);
          auto& sum = sums[r][l];
          for (size_t p = 0; p < parts.size(); ++p) {
            torch::Tensor weighted = parts[p] * (source.share / share_sums[r]);
            if (sum.size() <= p) sum.push_back(weighted);
            else sum[p] = sum[p] + weighted;
          }
        }
      }
    }
  }
  for (size_t r = 0; r < regions_.size(); ++r)
    for (size_t l = 0; l < layers; ++l) {
      if (sums[r][l].empty()) continue;  // a region without sources or with weight 0: no style loss
      const auto& layer = config_.style_layers[l];
      style_targets_.push_back(
          {layer.layer, layer.weight * config_.style_weight * regions_[r].weight, r, sums[r][l], constants[l]});
    }
}

void Objective::set_guide_window(int64_t y, int64_t x, int64_t height, int64_t width) {
  for (size_t r = 0; r < regions_.size(); ++r)
    if (whole_guides_[r].defined()) regions_[r].guide = whole_guides_[r].narrow(2, y, height).narrow(3, x, width);
}

LossValues Objective::evaluate(const torch::Tensor& image) {
  torch::Tensor content = torch::zeros({}, image.options());
  torch::Tensor style = torch::zeros({}, image.options());
  torch::Tensor total = torch::zeros({}, image.options());
  std::vector<std::pair<std::string, torch::Tensor>> content_parts, style_parts;
  std::vector<torch::Tensor> region_parts(regions_.size());
  auto add = [&](torch::Tensor& part, const torch::Tensor& loss, double weight) {
    const torch::Tensor value = loss.detach() * weight;
    part = part + value;
    total = total + loss * weight;
    return value;
  };
  network_.forward(image, [&](const std::string& layer, const torch::Tensor& features) {
    auto branch = [&](double weight) {
      return config_.normalize_gradients ? normalize_gradient(features, weight) : features;
    };
    for (const auto& target : content_targets_)
      if (target.layer == layer)
        content_parts.emplace_back(
            layer, add(content, relative_squared_error(branch(target.weight), target.value, target.norm), target.weight));
    for (const auto& target : style_targets_) {
      if (target.layer != layer) continue;
      const torch::Tensor& guide = regions_[target.region].guide;
      const torch::Tensor weights =
          guide.defined() ? resize_mask(guide.to(features.options()), features.size(2), features.size(3)) : torch::Tensor();
      const torch::Tensor value =
          add(style, statistic_.loss(branch(target.weight), weights, target.constant, target.value), target.weight);
      style_parts.emplace_back(layer, value);
      auto& region = region_parts[target.region];
      region = region.defined() ? region + value : value;
    }
  });
  torch::Tensor tv = torch::zeros({}, image.options());
  if (config_.tv_weight > 0) {
    tv = total_variation(image) * config_.tv_weight;
    total = total + tv;
  }
  total.backward();
  breakdown_ = {};
  auto by_layer = [](const std::vector<std::pair<std::string, torch::Tensor>>& parts) {
    std::vector<std::pair<std::string, double>> layers;
    for (const auto& [layer, value] : parts) {
      auto same = std::find_if(layers.begin(), layers.end(), [&](const auto& entry) { return entry.first == layer; });
      if (same == layers.end()) layers.emplace_back(layer, value.item<double>());
      else same->second += value.item<double>();
    }
    return layers;
  };
  breakdown_.content_layers = by_layer(content_parts);
  breakdown_.style_layers = by_layer(style_parts);
  for (const auto& region : region_parts) breakdown_.style_regions.push_back(region.defined() ? region.item<double>() : 0.0);
  return {content.item<double>(), style.item<double>(), tv.item<double>(), total.item<double>()};
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
  return config;
}

}  // namespace impasto
