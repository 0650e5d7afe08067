#pragma once
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "optim/optimize.h"
#include "transfer/objective.h"

namespace impasto {

// Optimising an image too large for memory in overlapping tiles. Each tile is optimised for a few
// iterations against its own content crop and the objective's global style targets, then blended
// back; a pass visits every tile once. Seams are suppressed twice over: the grid moves by a random
// offset every pass, so no tile edge stays in one place, and each tile enters the image through
// linear ramps across its overlap with the neighbours instead of a hard edge.

using TileRect = ImageWindow;

struct TilingConfig {
  int tile = 512;        // side of a tile (clipped to the image where the image is smaller)
  int overlap = 128;     // neighbouring tiles share at least this many pixels
  int steps = 10;        // optimiser iterations per tile visit
  bool shift = true;     // move the grid by a random offset every pass
  bool feather = true;   // blend tiles in with ramps across the overlap (else: hard edges)
  uint64_t seed = 0;     // of the offsets
  // What the objective sees of a tile (e.g. composited with the content under a content mask);
  // unset: the tile itself.
  std::function<torch::Tensor(const torch::Tensor& tile, const TileRect& where)> seen;
};

// The overlap used for a tile side: a quarter of the tile.
int tile_overlap(int tile);

// Tiles covering height x width with neighbours overlapping by at least `overlap`, the grid moved
// up and left by (dy, dx) pixels (each below tile - overlap); tiles never leave the image.
std::vector<TileRect> tile_grid(int64_t height, int64_t width, int tile, int overlap, int64_t dy = 0,
                                int64_t dx = 0);

// After each pass: its index (1-based), the mean of its tiles' losses (measured at the start of
// each tile's last iteration), the image. Return false to stop.
using PassFn = std::function<bool(int pass, const LossValues& losses, const torch::Tensor& image)>;

// Optimises `image` [1,3,H,W] in place in ceil(optimizer.iterations / config.steps) passes, so that
// every pixel receives about optimizer.iterations iterations. The objective (configured `windowed`)
// is focused on each tile in turn. Returns the tiles of the last pass.
std::vector<TileRect> optimize_tiled(torch::Tensor& image, Objective& objective,
                                     const OptimizerConfig& optimizer, const TilingConfig& config,
                                     const PassFn& on_pass);

// The losses of `image`: the mean over the tiles of the unshifted grid.
LossValues evaluate_tiled(const torch::Tensor& image, Objective& objective,
                          const TilingConfig& config);

// Mean squared difference between neighbouring pixels across the tiles' edges (within 2 pixels of
// an edge that is not the image border), divided by the same mean everywhere else: about 1 where
// no seam shows, above 1 for hard seams, below 1 for blurred ones.
double seam_ratio(const torch::Tensor& image, const std::vector<TileRect>& tiles);

}  // namespace impasto
