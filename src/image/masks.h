#pragma once
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace impasto {

// Reads a grey mask as [1,1,H,W] in 0..1 (white 1; a colour image counts by its mean channel).
// Throws InputError as load_image does, naming `role`.
torch::Tensor load_mask(const std::string& path, const std::string& role);

// Resizes a [1,1,h,w] mask (area average down, bilinear up).
torch::Tensor resize_mask(const torch::Tensor& mask, int64_t height, int64_t width);

// Colour-coded maps (semantic regions, as in neural doodle). A map's palette is every colour that
// covers at least `min_share` of it; a pixel belongs to the palette colour nearest to it, which
// absorbs the blended edges and compression noise of drawn or saved maps.
using Colour = std::array<uint8_t, 3>;
std::vector<Colour> map_palette(const torch::Tensor& map, double min_share = 0.01);
// [1,1,H,W]: 1 where the map's nearest palette colour is `colour`, else 0.
torch::Tensor colour_region(const torch::Tensor& map, const std::vector<Colour>& palette, const Colour& colour);
std::string colour_name(const Colour& colour);  // "#rrggbb"

}  // namespace impasto
