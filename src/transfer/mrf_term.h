#pragma once

namespace impasto {

// The patch-based style loss (--style-loss mrf; Li & Wand 2016, "CNNMRF", and Champandard 2016,
// "neural doodle"): every 3x3 patch of the output's features is pulled towards the style patch that
// matches it best by normalised cross-correlation. With maps (--content-map/--style-map or
// --style-mask), each region's channel is appended to the features while matching, scaled by
// semantic_weight, so that patches match within their own region.
struct MrfConfig {
  // Weight of the map channels against the features in the match: at 1 a patch's map channels carry
  // as much energy as its features.
  double semantic_weight = 2.0;
  // What keeps the search affordable on two cores at 512 px: at most this many style patches per
  // layer (an even subsample), and matches recomputed every `refresh_every` evaluations (the loss
  // between refreshes is a fixed quadratic, which L-BFGS likes).
  int max_patches = 2048;
  int refresh_every = 10;
};

// Multiplies the relative patch error so that --style-weight's default (100, set for the
// statistics) balances a photo's content here too: unscaled, 100 painted Tübingen over with Starry
// Night entirely and 0.5 looked balanced (SqueezeNet, 256 px); doodles, which have no content, come
// out the same either way.
constexpr double kMrfLossScale = 0.005;

}  // namespace impasto
