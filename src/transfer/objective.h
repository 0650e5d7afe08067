#pragma once
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "impasto/options.h"
#include "nets/network.h"
#include "transfer/loss_term.h"
#include "transfer/mrf_term.h"
#include "transfer/style_statistics.h"
#include "transfer/temporal_term.h"

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
  std::string style_statistic = "gram";  // see transfer/style_statistics.h; "mrf": transfer/mrf_term.h
  MrfConfig mrf;
  std::vector<StyleRegion> style_regions;  // empty: one region blending all styles
  // Tiled runs: terms with per-pixel targets compute them per window (Objective::focus), never for
  // the whole image.
  bool windowed = false;
  TemporalConfig temporal;  // video frames: earlier outputs warped along the flow (temporal_term.h)
  double matting_weight = 0.0;  // photorealism regulariser (transfer/matting_term.cpp); 0: off
};

// The objective a run's options ask for on this network (layers default to the network's own).
ObjectiveConfig objective_config_for(const Options& options, const NetworkSpec& spec);

// The loss of an image: the registered loss terms (transfer/loss_terms.cpp) that the configuration
// enables, summed. It knows taps and targets only, never which network produced them.
class Objective {
 public:
  // content: [1,3,H,W] or undefined (texture synthesis); styles with blend weights (any sum), which
  // config.style_regions, where given, replace.
  Objective(const Network& network, ObjectiveConfig config, const torch::Tensor& content,
            const std::vector<torch::Tensor>& styles, const std::vector<double>& blend);

  // The next evaluations see this window of the whole output (tiles).
  void focus(const ImageWindow& window);

  // Computes every term's loss and accumulates d(total)/d(image) into image.grad(). When the result
  // says `repeat` (fp16 overflow), the gradient is unusable: zero it and evaluate again.
  LossValues evaluate(const torch::Tensor& image);

  const LossTerms& terms() const { return terms_; }
  // The named term's detail of the last evaluation; empty when the objective has no such term.
  TermDetail detail(const std::string& term) const;

  // One region over the whole image whose sources are the styles with their blend weights.
  static std::vector<StyleRegion> blended_region(size_t styles, const std::vector<double>& blend);

  // The layers the network must produce for this objective.
  static std::vector<std::string> taps(const ObjectiveConfig& config);

 private:
  LossValues evaluate_once(const torch::Tensor& image);
  const Network& network_;
  LossTerms terms_;
  std::map<std::string, std::vector<size_t>> tap_users_;  // tap -> indices of the terms reading it
};

}  // namespace impasto
