#include "report/loss_breakdown.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

namespace impasto {
namespace {

double loss_of(const std::vector<std::pair<std::string, double>>& losses, const std::string& layer) {
  for (const auto& [name, value] : losses)
    if (name == layer) return value;
  return 0;
}

}  // namespace

void record_loss_breakdown(RunResult& result, const Options& options, const ObjectiveConfig& config,
                           const Objective& objective, const Network& network,
                           const std::vector<torch::Tensor>& styles, const torch::Tensor& image) {
  const TermDetail content = objective.detail("content"), style = objective.detail("style");
  const std::vector<StyleRegion>& regions = config.style_regions;
  const bool guided = !regions.empty();
  result.style_loss = config.style_statistic;
  for (const auto& layer : config.content_layers)
    result.content_layers.push_back(
        {layer.layer, layer.weight * config.content_weight, loss_of(content.layers, layer.layer)});
  for (const auto& layer : config.style_layers)
    result.style_layers.push_back({layer.layer, layer.weight * config.style_weight, loss_of(style.layers, layer.layer)});
  double blend_sum = 0;
  for (size_t i = 0; i < styles.size(); ++i) blend_sum += options.style_blend.empty() ? 1.0 : options.style_blend[i];
  for (size_t i = 0; i < styles.size(); ++i) {
    const double share = (options.style_blend.empty() ? 1.0 : options.style_blend[i]) / std::max(blend_sum, 1e-12);
    double loss = NAN;
    if (!guided && styles.size() == 1) {
      loss = result.final.style_loss;
    } else if (!guided) {
      ObjectiveConfig alone = config;
      alone.content_weight = 0;
      alone.tv_weight = 0;
      alone.style_regions.clear();
      Objective objective_alone(network, alone, {}, {styles[i]}, {});
      loss = objective_alone.evaluate(image.detach().clone().requires_grad_(true))["style"];
    }
    result.styles.push_back({options.styles[i], share, loss});
  }
  if (guided)
    for (size_t r = 0; r < regions.size(); ++r)
      result.style_regions.push_back({regions[r].label, regions[r].weight, r < style.regions.size() ? style.regions[r] : 0.0});
}

void add_loss_breakdown(nlohmann::json& report, const RunResult& result) {
  auto weights = [](const std::vector<RunResult::WeightedLoss>& entries, const char* key) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries) list.push_back({{key, e.name}, {"weight", e.weight}});
    return list;
  };
  auto losses = [](const std::vector<RunResult::WeightedLoss>& entries, const char* key) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries)
      if (!std::isnan(e.loss)) list.push_back({{key, e.name}, {"loss", e.loss}});
    return list;
  };
  report["weights"] = {{"style_loss", result.style_loss},
                       {"content_layers", weights(result.content_layers, "layer")},
                       {"style_layers", weights(result.style_layers, "layer")},
                       {"styles", weights(result.styles, "style")}};
  report["final"]["content_layers"] = losses(result.content_layers, "layer");
  report["final"]["style_layers"] = losses(result.style_layers, "layer");
  report["final"]["styles"] = losses(result.styles, "style");
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& r : result.style_regions) regions.push_back({{"region", r.name}, {"weight", r.weight}, {"loss", r.loss}});
  report["final"]["regions"] = regions;
}

}  // namespace impasto
