#pragma once
#include <optional>
#include <set>
#include <string>

#include "nets/network_spec.h"

namespace impasto {

class WeightSource;

// The nodes of `spec` that `weights` can compute: every convolution on the way to them has its
// weights in the file. A file holding only the first part of a network (vgg19-partial ends at
// conv3_4) computes only the nodes up to there.
std::set<std::string> computable_nodes(const NetworkSpec& spec, const WeightSource& weights);

struct LayerChoice {
  std::string content_layers, style_layers;  // as --content-layers / --style-layers take them
};

// The network's default layers cut to `computable`: style layers it cannot compute are dropped, and
// a content layer it cannot compute becomes the deepest style layer left. Nothing when every default
// is computable (the defaults stand) or when no default style layer is (the run must fail and say so).
std::optional<LayerChoice> defaults_within(const NetworkSpec& spec, const std::set<std::string>& computable);

// For a run whose layer lists are empty where it leaves them to the defaults: what to use instead
// with these weights, and the words for the note that says so ("content layer relu3_1 (default
// relu4_2), style layers ..."). Nothing when the defaults it relies on are all computable.
struct DefaultsCut {
  LayerChoice layers;  // the run's own lists, with the defaulted ones cut
  std::string told;
};
std::optional<DefaultsCut> cut_defaults(const NetworkSpec& spec, const std::set<std::string>& computable,
                                        const LayerChoice& named);

}  // namespace impasto
