#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

#include "impasto/options.h"
#include "nets/network.h"
#include "transfer/style_statistics.h"

namespace impasto {

struct LayerWeight {
  std::string layer;
  double weight = 1.0;
};

// Parses "relu1_1:0.2,relu2_1" into layers with weights (missing weight: 1), checking every name
// against the network, then scales the weights to sum to 1 so that --style-weight does not depend
// on how many layers are used.
std::vector<LayerWeight> parse_layer_weights(const std::string& text, const NetworkSpec& spec,
                                             const std::string& option_name);

struct LossValues {
  double content = 0, style = 0, tv = 0, total = 0;
};

// Where a style applies (spatial control). A region's target is the blend of its sources' statistics,
// each computed over the source's guide; its loss is measured over the output guide.
struct StyleSource {
  size_t style = 0;      // index into the style images
  torch::Tensor guide;   // [1,1,h,w] weights over the style image; undefined: all of it
  double share = 1.0;    // blend weight within the region (any sum)
};
struct StyleRegion {
  std::string label;           // for reports: the style file or the map colour
  torch::Tensor guide;         // [1,1,H,W] weights over the output; undefined: all of it
  double weight = 1.0;         // multiplies the region's style loss
  std::vector<StyleSource> sources;
};

struct ObjectiveConfig {
  std::vector<LayerWeight> content_layers;
  std::vector<LayerWeight> style_layers;
  double content_weight = 1.0, style_weight = 1.0, tv_weight = 0.0;
  bool normalize_gradients = false;
  std::string style_statistic = "gram";  // see transfer/style_statistics.h
  std::vector<StyleRegion> style_regions;  // empty: one region blending all styles
};

// The objective a run's options ask for on this network (layers default to the network's own).
ObjectiveConfig objective_config_for(const Options& options, const NetworkSpec& spec);

// Losses of the last evaluation per layer (weighted as in the totals) and per style region.
struct LossBreakdown {
  std::vector<std::pair<std::string, double>> content_layers, style_layers;
  std::vector<double> style_regions;
};

// The loss of an image against fixed targets: content features and (blended) style statistics,
// optionally per region. It knows taps and targets only, never which network produced them.
class Objective {
 public:
  // content: [1,3,H,W] or undefined (texture synthesis); styles with blend weights (any sum), which
  // config.style_regions, where given, replace.
  Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
            const std::vector<torch::Tensor>& styles, const std::vector<double>& blend);

  // Replaces the content targets by those of `content` (e.g. the crop under a tile); the style
  // targets stay.
  void set_content(const torch::Tensor& content);
  // Restricts the region guides (given for the whole output) to the window under a tile, which the
  // images passed to evaluate() then cover.
  void set_guide_window(int64_t y, int64_t x, int64_t height, int64_t width);

  // Computes the losses and accumulates d(total)/d(image) into image.grad().
  LossValues evaluate(const torch::Tensor& image);
  // The losses of the last evaluate() by layer and region.
  const LossBreakdown& breakdown() const { return breakdown_; }

  // One region over the whole image whose sources are the styles with their blend weights.
  static std::vector<StyleRegion> blended_region(size_t styles, const std::vector<double>& blend);

  // The layers the network must produce for this objective.
  static std::vector<std::string> taps(const ObjectiveConfig& config);

 private:
  struct ContentTarget {
    std::string layer;
    double weight;        // layer weight * loss weight
    torch::Tensor value;  // features
    double norm;          // sum(value^2)
  };
  struct StyleTarget {
    std::string layer;
    double weight;        // layer weight * style weight * region weight
    size_t region;
    std::vector<torch::Tensor> value;  // the statistic's (blended) summary
    torch::Tensor constant;            // the statistic's per-layer data
  };
  const Network& network_;
  ObjectiveConfig config_;
  const StyleStatistic& statistic_;
  std::vector<StyleRegion> regions_;
  std::vector<torch::Tensor> whole_guides_;  // regions_' guides over the whole output
  std::vector<ContentTarget> content_targets_;
  std::vector<StyleTarget> style_targets_;
  LossBreakdown breakdown_;
};

}  // namespace impasto
