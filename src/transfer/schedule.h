#pragma once
#include <vector>

namespace impasto {

// The longest-side sizes of a coarse-to-fine run, ascending, the last one `size`:
//   {}          -> {size} (a single-scale run)
//   {N}         -> N sizes halving down from `size`, e.g. {3} with 1024 -> {256, 512, 1024}
//   {a, b, ...} -> these sizes; they must ascend and end at `size`
// Throws InputError (naming --scales) for a count below 1, a scale below kMinScaleSize pixels, or
// a list that does not ascend to `size`.
std::vector<int> scale_sizes(const std::vector<int>& scales, int size);

constexpr int kMinScaleSize = 32;
constexpr int kMinTile = 64;  // smaller tiles hold too little context for the deeper layers

}  // namespace impasto
