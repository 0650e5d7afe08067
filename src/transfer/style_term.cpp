// Style loss: each style layer's statistic (--style-loss) against the (blended) styles' statistics,
// per region where masks or maps guide it, weighted by the layer's share of --style-weight.
#include <torch/torch.h>

#include <map>

#include "image/masks.h"
#include "transfer/loss_term.h"
#include "transfer/losses.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

class StyleTerm : public LossTerm {
 public:
  StyleTerm(const Network& network, const ObjectiveConfig& config, const std::vector<torch::Tensor>& styles,
            const std::vector<double>& blend)
      : LossTerm("style", config.style_weight),
        layers_(config.style_layers),
        normalize_gradients_(config.normalize_gradients),
        statistic_(style_statistic(config.style_statistic)),
        regions_(config.style_regions.empty() ? Objective::blended_region(styles.size(), blend)
                                              : config.style_regions) {
    torch::NoGradGuard no_grad;
    for (const auto& region : regions_) whole_guides_.push_back(region.guide);
    // Each region's target per layer: the share-weighted mean of its sources' summaries. Every style
    // image goes through the network once, whatever the number of regions using it.
    const size_t layers = layers_.size();
    std::vector<double> share_sums(regions_.size(), 0.0);
    for (size_t r = 0; r < regions_.size(); ++r)
      for (const auto& source : regions_[r].sources) share_sums[r] += source.share;
    std::vector<std::vector<std::vector<torch::Tensor>>> sums(regions_.size(),
                                                              std::vector<std::vector<torch::Tensor>>(layers));
    std::vector<torch::Tensor> constants(layers);
    for (size_t i = 0; i < styles.size(); ++i) {
      std::map<std::string, torch::Tensor> features;
      for (size_t r = 0; r < regions_.size(); ++r) {
        for (const auto& source : regions_[r].sources) {
          if (source.style != i || source.share <= 0 || regions_[r].weight <= 0) continue;
          if (features.empty()) features = network.forward(styles[i]);
          for (size_t l = 0; l < layers; ++l) {
            const torch::Tensor& f = features.at(layers_[l].layer);
            if (!constants[l].defined()) constants[l] = statistic_.layer_constant(f.size(1), f.options());
            const torch::Tensor guide = source.guide.defined()
                                            ? resize_mask(source.guide.to(f.options()), f.size(2), f.size(3))
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
        targets_.push_back({layers_[l].layer, layers_[l].weight * weight() * regions_[r].weight, r, sums[r][l],
                            constants[l]});
      }
    values_.assign(targets_.size(), torch::Tensor());
  }

  std::vector<std::string> taps() const override {
    std::vector<std::string> names;
    for (const auto& layer : layers_) names.push_back(layer.layer);
    return names;
  }

  void focus(const ImageWindow& w) override {
    for (size_t r = 0; r < regions_.size(); ++r)
      if (whole_guides_[r].defined())
        regions_[r].guide = whole_guides_[r].narrow(2, w.y, w.height).narrow(3, w.x, w.width);
  }

  torch::Tensor at_tap(const std::string& tap, const torch::Tensor& features) override {
    torch::Tensor sum;
    for (size_t i = 0; i < targets_.size(); ++i) {
      const Target& target = targets_[i];
      if (target.layer != tap) continue;
      const torch::Tensor& guide = regions_[target.region].guide;
      const torch::Tensor weights =
          guide.defined() ? resize_mask(guide.to(features.options()), features.size(2), features.size(3))
                          : torch::Tensor();
      const torch::Tensor seen = normalize_gradients_ ? normalize_gradient(features, target.weight) : features;
      const torch::Tensor loss = statistic_.loss(seen, weights, target.constant, target.value) * target.weight;
      values_[i] = loss.detach();
      sum = sum.defined() ? sum + loss : loss;
    }
    return sum;
  }

  TermDetail detail() const override {
    TermDetail d;
    d.regions.assign(regions_.size(), 0.0);
    for (const auto& layer : layers_) d.layers.emplace_back(layer.layer, 0.0);
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (!values_[i].defined()) continue;
      const double value = values_[i].item<double>();
      d.regions[targets_[i].region] += value;
      for (auto& entry : d.layers)
        if (entry.first == targets_[i].layer) entry.second += value;
    }
    return d;
  }

 private:
  struct Target {
    std::string layer;
    double weight;  // layer weight * style weight * region weight
    size_t region;
    std::vector<torch::Tensor> value;  // the statistic's (blended) summary
    torch::Tensor constant;            // the statistic's per-layer data
  };
  std::vector<LayerWeight> layers_;
  bool normalize_gradients_;
  const StyleStatistic& statistic_;
  std::vector<StyleRegion> regions_;
  std::vector<torch::Tensor> whole_guides_;  // regions_' guides over the whole output
  std::vector<Target> targets_;
  std::vector<torch::Tensor> values_;  // of the last evaluation, per target
};

}  // namespace

std::unique_ptr<LossTerm> make_mrf_term(const TermInputs& inputs);  // transfer/mrf_term.cpp

std::unique_ptr<LossTerm> make_style_term(const TermInputs& in) {
  if (in.styles.empty() || in.config.style_weight <= 0) return nullptr;
  if (in.config.style_statistic == "mrf") return make_mrf_term(in);
  return std::make_unique<StyleTerm>(in.network, in.config, in.styles, in.blend);
}

}  // namespace impasto
