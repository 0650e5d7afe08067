// Style loss --style-loss mrf: output feature patches pulled towards their nearest style patches
// (transfer/mrf_term.h). It is the "style" term when --style-loss is mrf (make_style_term hands over),
// so reports and progress read it as the style loss.
#include "transfer/mrf_term.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "image/masks.h"
#include "transfer/loss_term.h"
#include "transfer/losses.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kPatch = 3;
constexpr int64_t kMatchChunk = 512;  // style patches scored at once (bounds the score buffer)

// [1,C,H,W] -> [1,C*9,L]: every 3x3 patch (stride 1, no padding) as a column, channel-major.
torch::Tensor patches_of(const torch::Tensor& x) { return F::unfold(x, F::UnfoldFuncOptions(kPatch)); }

// The inverse arrangement: columns [1,C*9,L] summed back onto a [1,C,H,W] grid.
torch::Tensor fold_patches(const torch::Tensor& columns, int64_t height, int64_t width) {
  return F::fold(columns, F::FoldFuncOptions({height, width}, kPatch));
}

// [1,K,h,w]: each region's guide resized to a layer's grid (ones where a guide is undefined).
torch::Tensor region_channels(const std::vector<torch::Tensor>& guides, int64_t height, int64_t width,
                              const torch::TensorOptions& options) {
  std::vector<torch::Tensor> channels;
  for (const auto& guide : guides)
    channels.push_back(guide.defined() ? resize_mask(guide.to(options), height, width)
                                       : torch::ones({1, 1, height, width}, options));
  return torch::cat(channels, 1);
}

class MrfTerm : public LossTerm {
 public:
  MrfTerm(const Network& network, const ObjectiveConfig& config, const std::vector<torch::Tensor>& styles,
          const std::vector<double>& blend)
      : LossTerm("style", config.style_weight), mrf_(config.mrf), normalize_gradients_(config.normalize_gradients) {
    torch::NoGradGuard no_grad;
    const std::vector<StyleRegion> regions =
        config.style_regions.empty() ? Objective::blended_region(styles.size(), blend) : config.style_regions;
    bool guided = regions.size() > 1;
    for (const auto& region : regions) {
      whole_guides_.push_back(region.guide);
      guided = guided || region.guide.defined();
    }
    if (!guided) whole_guides_.clear();
    output_guides_ = whole_guides_;

    // Per style: its share of the patches (its blend weight over all regions) and, with maps, where
    // it serves each region.
    std::vector<double> shares(styles.size(), 0.0);
    std::vector<std::vector<torch::Tensor>> style_guides(styles.size(), std::vector<torch::Tensor>(regions.size()));
    std::vector<std::vector<bool>> serves(styles.size(), std::vector<bool>(regions.size(), false));
    for (size_t r = 0; r < regions.size(); ++r)
      for (const auto& source : regions[r].sources) {
        if (source.share <= 0 || regions[r].weight <= 0) continue;
        shares[source.style] += source.share;
        serves[source.style][r] = true;
        style_guides[source.style][r] = source.guide;
      }
    double share_sum = 0;
    for (double s : shares) share_sum += s;
    if (share_sum <= 0) return;  // every region weighs 0: no style loss

    std::vector<std::map<std::string, torch::Tensor>> features(styles.size());
    for (size_t i = 0; i < styles.size(); ++i)
      if (shares[i] > 0) features[i] = network.forward(styles[i]);

    for (const auto& layer : config.style_layers) {
      Layer l;
      l.name = layer.layer;
      l.weight = layer.weight * weight();
      // The map channels' scale at this layer: semantic_weight * sqrt(C) * the features' RMS, so that
      // a one-hot map column carries semantic_weight^2 times a feature column's energy.
      double square_sum = 0, count = 0;
      for (size_t i = 0; i < styles.size(); ++i) {
        if (shares[i] <= 0) continue;
        const torch::Tensor& f = features[i].at(layer.layer);
        square_sum += f.square().sum().item<double>();
        count += static_cast<double>(f.numel());
      }
      std::vector<torch::Tensor> raw, keys;
      for (size_t i = 0; i < styles.size(); ++i) {
        if (shares[i] <= 0) continue;
        const torch::Tensor& f = features[i].at(layer.layer);
        if (f.size(2) < kPatch || f.size(3) < kPatch) continue;  // a style too small for a whole patch here
        const int64_t c = f.size(1);
        l.map_scale = mrf_.semantic_weight * std::sqrt(static_cast<double>(c) * square_sum / count);
        torch::Tensor key_source = f;
        if (!whole_guides_.empty()) {
          std::vector<torch::Tensor> guides;
          for (size_t r = 0; r < regions.size(); ++r)
            guides.push_back(serves[i][r] ? style_guides[i][r] : torch::Tensor());
          torch::Tensor maps = region_channels(guides, f.size(2), f.size(3), f.options());
          for (size_t r = 0; r < regions.size(); ++r)
            if (!serves[i][r]) maps.select(1, static_cast<int64_t>(r)).zero_();
          key_source = torch::cat({f, maps * l.map_scale}, 1);
        }
        torch::Tensor columns = patches_of(key_source)[0].t();  // [L, (C+K)*9]
        const int64_t wanted = std::max<int64_t>(
            1, std::llround(mrf_.max_patches * shares[i] / share_sum));
        if (columns.size(0) > wanted)
          columns = columns.index_select(
              0, torch::linspace(0, static_cast<double>(columns.size(0) - 1), wanted, f.options().dtype(torch::kDouble))
                     .round()
                     .to(torch::kLong)
                     .to(f.device()));
        raw.push_back(columns.narrow(1, 0, c * kPatch * kPatch));
        keys.push_back(columns);
      }
      if (raw.empty()) continue;  // no style has a patch at this layer (coarse scales of small styles)
      l.patches = torch::cat(raw, 0).contiguous();
      const torch::Tensor key = torch::cat(keys, 0);
      l.kernels = (key / key.norm(2, 1, true).clamp_min(1e-12))
                      .reshape({key.size(0), key.size(1) / (kPatch * kPatch), kPatch, kPatch})
                      .contiguous();
      l.energy = std::max(l.patches.square().sum(1).mean().item<double>(), 1e-12);
      layers_.push_back(std::move(l));
    }
  }

  std::vector<std::string> taps() const override {
    std::vector<std::string> names;
    for (const auto& layer : layers_) names.push_back(layer.name);
    return names;
  }

  void focus(const ImageWindow& w) override {
    for (size_t r = 0; r < whole_guides_.size(); ++r)
      if (whole_guides_[r].defined())
        output_guides_[r] = whole_guides_[r].narrow(2, w.y, w.height).narrow(3, w.x, w.width);
    for (auto& layer : layers_) layer.evaluations = 0;  // matches belong to the window they were made in
  }

  torch::Tensor at_tap(const std::string& tap, const torch::Tensor& features) override {
    torch::Tensor sum;
    for (auto& layer : layers_) {
      if (layer.name != tap) continue;
      const int64_t height = features.size(2), width = features.size(3);
      if (height < kPatch || width < kPatch) continue;  // no whole patch on so small a grid
      if (layer.evaluations++ % std::max(mrf_.refresh_every, 1) == 0 || !layer.folded.defined() ||
          layer.folded.sizes() != features.sizes())
        match(layer, features.detach());
      const torch::Tensor seen = normalize_gradients_ ? normalize_gradient(features, layer.weight) : features;
      // sum over patches of |patch - match|^2, without unfolding the output: each position appears in
      // `coverage` patches, and the matches folded back give the cross term.
      const torch::Tensor distance =
          (layer.coverage * seen.square()).sum() - 2 * (seen * layer.folded).sum() + layer.target_energy;
      const torch::Tensor loss = distance * (kMrfLossScale * layer.weight / (layer.energy * layer.positions));
      layer.value = loss.detach();
      sum = sum.defined() ? sum + loss : loss;
    }
    return sum;
  }

  TermDetail detail() const override {
    TermDetail d;
    for (const auto& layer : layers_)
      d.layers.emplace_back(layer.name, layer.value.defined() ? layer.value.item<double>() : 0.0);
    return d;
  }

 private:
  struct Layer {
    std::string name;
    double weight = 0;           // layer weight * style weight
    torch::Tensor patches;       // [N, C*9] style feature patches, the targets
    torch::Tensor kernels;       // [N, C+K, 3, 3] the same with map channels, normalised: the match keys
    double map_scale = 0;        // multiplies the output's region channels
    double energy = 1;           // mean squared norm of a style patch: the loss's unit
    // The current matches, folded onto the output grid, and what goes with them.
    torch::Tensor folded, coverage, target_energy;
    double positions = 1;
    int64_t evaluations = 0;
    torch::Tensor value;         // of the last evaluation
  };

  void match(Layer& layer, const torch::Tensor& features) {
    torch::NoGradGuard no_grad;
    const int64_t height = features.size(2), width = features.size(3);
    torch::Tensor query = features;
    if (!output_guides_.empty())
      query = torch::cat({features, region_channels(output_guides_, height, width, features.options()) * layer.map_scale}, 1);
    torch::Tensor best_score, best;
    for (int64_t start = 0; start < layer.kernels.size(0); start += kMatchChunk) {
      const int64_t n = std::min(kMatchChunk, layer.kernels.size(0) - start);
      const torch::Tensor scores = F::conv2d(query, layer.kernels.narrow(0, start, n))[0];  // [n,H-2,W-2]
      auto [score, index] = scores.max(0);
      index += start;
      if (!best.defined()) {
        best_score = score, best = index;
      } else {
        const torch::Tensor better = score > best_score;
        best_score = torch::where(better, score, best_score);
        best = torch::where(better, index, best);
      }
    }
    const torch::Tensor targets = layer.patches.index_select(0, best.flatten());  // [L, C*9]
    layer.folded = fold_patches(targets.t().unsqueeze(0), height, width);
    layer.target_energy = targets.square().sum();
    layer.coverage = fold_patches(torch::ones({1, kPatch * kPatch, targets.size(0)}, features.options()), height, width);
    layer.positions = static_cast<double>(targets.size(0));
  }

  MrfConfig mrf_;
  bool normalize_gradients_;
  std::vector<torch::Tensor> whole_guides_;   // each region's guide over the whole output; empty: unguided
  std::vector<torch::Tensor> output_guides_;  // the same over the focused window
  std::vector<Layer> layers_;
};

}  // namespace

std::unique_ptr<LossTerm> make_mrf_term(const TermInputs& in) {
  return std::make_unique<MrfTerm>(in.network, in.config, in.styles, in.blend);
}

}  // namespace impasto
