// Content loss: each content layer's features against the content image's, as a relative squared
// error, weighted by the layer's share of --content-weight.
#include <torch/torch.h>

#include "transfer/loss_term.h"
#include "transfer/losses.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

class ContentTerm : public LossTerm {
 public:
  ContentTerm(const Network& network, const ObjectiveConfig& config, const torch::Tensor& content)
      : LossTerm("content", config.content_weight),
        network_(network),
        layers_(config.content_layers),
        normalize_gradients_(config.normalize_gradients),
        content_(content) {
    // Windowed (tiled) runs set their targets per window: a forward pass of the whole content image
    // would need the memory the tiles avoid.
    if (!config.windowed) set_targets(content_);
  }

  std::vector<std::string> taps() const override {
    std::vector<std::string> names;
    for (const auto& layer : layers_) names.push_back(layer.layer);
    return names;
  }

  void focus(const ImageWindow& w) override {
    set_targets(content_.narrow(2, w.y, w.height).narrow(3, w.x, w.width));
  }

  torch::Tensor at_tap(const std::string& tap, const torch::Tensor& features) override {
    torch::Tensor sum;
    for (size_t i = 0; i < targets_.size(); ++i) {
      const Target& target = targets_[i];
      if (target.layer != tap) continue;
      const torch::Tensor seen = normalize_gradients_ ? normalize_gradient(features, target.weight) : features;
      const torch::Tensor loss = relative_squared_error(seen, target.value, target.norm) * target.weight;
      values_[i] = loss.detach();
      sum = sum.defined() ? sum + loss : loss;
    }
    return sum;
  }

  TermDetail detail() const override {
    TermDetail d;
    for (size_t i = 0; i < targets_.size(); ++i)
      d.layers.emplace_back(targets_[i].layer, values_[i].defined() ? values_[i].item<double>() : 0.0);
    return d;
  }

 private:
  struct Target {
    std::string layer;
    double weight;        // layer weight * content weight
    torch::Tensor value;  // features
    double norm;          // sum(value^2)
  };

  void set_targets(const torch::Tensor& content) {
    torch::NoGradGuard no_grad;
    targets_.clear();
    auto features = network_.forward(content);
    for (const auto& layer : layers_) {
      const torch::Tensor value = features.at(layer.layer);
      targets_.push_back({layer.layer, layer.weight * weight(), value, value.square().sum().item<double>() + 1e-8});
    }
    values_.assign(targets_.size(), torch::Tensor());
  }

  const Network& network_;
  std::vector<LayerWeight> layers_;
  bool normalize_gradients_;
  torch::Tensor content_;
  std::vector<Target> targets_;
  std::vector<torch::Tensor> values_;  // of the last evaluation, per target
};

}  // namespace

std::unique_ptr<LossTerm> make_content_term(const TermInputs& in) {
  if (!in.content.defined() || in.config.content_weight <= 0) return nullptr;
  return std::make_unique<ContentTerm>(in.network, in.config, in.content);
}

}  // namespace impasto
