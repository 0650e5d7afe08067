#include "transfer/spatial_control.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "image/image_io.h"
#include "image/masks.h"
#include "impasto/errors.h"

namespace impasto {
namespace {

double blend_weight(const Options& options, size_t style) {
  return options.style_blend.empty() ? 1.0 : options.style_blend[style];
}

// A content-map colour and a style-map colour name the same region when they are this close (0..255
// RGB distance), so that maps saved as JPEG still match.
constexpr double kSameColour = 48;

const Colour* matching_colour(const Colour& colour, const std::vector<Colour>& palette) {
  const Colour* best = nullptr;
  double best_distance = kSameColour;
  for (const auto& candidate : palette) {
    double d2 = 0;
    for (int c = 0; c < 3; ++c) d2 += (double(candidate[c]) - colour[c]) * (double(candidate[c]) - colour[c]);
    if (std::sqrt(d2) < best_distance) {
      best_distance = std::sqrt(d2);
      best = &candidate;
    }
  }
  return best;
}

std::vector<StyleRegion> mask_regions(const Options& options, int64_t height, int64_t width) {
  std::vector<StyleRegion> regions;
  for (size_t i = 0; i < options.style_masks.size(); ++i) {
    StyleRegion region;
    region.label = options.styles[i];
    region.guide = resize_mask(load_mask(options.style_masks[i], "style mask"), height, width);
    region.weight = blend_weight(options, i);
    region.sources.push_back({i, {}, 1.0});
    regions.push_back(region);
  }
  return regions;
}

std::vector<StyleRegion> map_regions(const Options& options, int64_t height, int64_t width,
                                     const std::vector<torch::Tensor>& styles) {
  const torch::Tensor content_map = load_image(options.content_map, "content map");
  const std::vector<Colour> palette = map_palette(content_map);
  if (palette.size() > 32)
    throw InputError("content map '" + options.content_map + "' has " + std::to_string(palette.size()) +
                     " colours (at most 32 regions)");
  std::vector<torch::Tensor> style_maps;
  std::vector<std::vector<Colour>> style_palettes;
  for (const auto& path : options.style_maps) {
    style_maps.push_back(load_image(path, "style map"));
    style_palettes.push_back(map_palette(style_maps.back()));
  }
  std::vector<StyleRegion> regions;
  for (const auto& colour : palette) {
    StyleRegion region;
    region.label = colour_name(colour);
    region.guide = resize_mask(colour_region(content_map, palette, colour), height, width);
    for (size_t i = 0; i < styles.size(); ++i) {
      const Colour* match = matching_colour(colour, style_palettes[i]);
      if (!match) continue;
      const torch::Tensor guide = colour_region(style_maps[i], style_palettes[i], *match);
      region.sources.push_back({i, resize_mask(guide, styles[i].size(2), styles[i].size(3)), blend_weight(options, i)});
    }
    regions.push_back(region);
  }
  // Some colours without a style are a choice (that area keeps the photo's content); none matching
  // at all is a mix-up of files, and would paint nothing.
  if (std::none_of(regions.begin(), regions.end(), [](const StyleRegion& r) { return !r.sources.empty(); })) {
    auto names = [](const std::vector<Colour>& colours) {
      std::string text;
      for (const auto& c : colours) text += (text.empty() ? "" : " ") + colour_name(c);
      return text;
    };
    std::string style_colours;
    for (const auto& p : style_palettes) style_colours += (style_colours.empty() ? "" : "; ") + names(p);
    throw InputError("no colour of the content map '" + options.content_map + "' (" + names(palette) +
                     ") is in the style maps (" + style_colours + ")");
  }
  return regions;
}

}  // namespace

torch::Tensor SpatialControl::composite(const torch::Tensor& image, const torch::Tensor& content, int64_t y,
                                        int64_t x) const {
  if (!stylised_area.defined() || !content.defined()) return image;
  auto window = [&](const torch::Tensor& whole) { return whole.narrow(2, y, image.size(2)).narrow(3, x, image.size(3)); };
  const torch::Tensor area = window(stylised_area).to(image.options());
  return image * area + window(content) * (1 - area);
}

SpatialControl load_spatial_control(const Options& options, int64_t height, int64_t width,
                                    const std::vector<torch::Tensor>& styles) {
  SpatialControl control;
  if (options.style_masks.empty() && options.content_map.empty() && options.content_mask.empty()) return control;
  if (!options.style_masks.empty()) control.regions = mask_regions(options, height, width);
  else if (!options.content_map.empty()) control.regions = map_regions(options, height, width, styles);
  else control.regions = Objective::blended_region(styles.size(), options.style_blend);

  torch::Tensor area;
  if (!options.content_mask.empty()) area = resize_mask(load_mask(options.content_mask, "content mask"), height, width);
  if (!options.style_masks.empty()) {  // where no style applies, the photo stays
    torch::Tensor covered = torch::zeros({1, 1, height, width});
    for (const auto& region : control.regions) covered = covered + region.guide;
    covered = covered.clamp(0, 1);
    area = area.defined() ? area * covered : covered;
  }
  double total_area = 0;
  for (auto& region : control.regions) {
    if (area.defined()) region.guide = region.guide.defined() ? region.guide * area : area;
    total_area += region.guide.defined() ? region.guide.mean().item<double>() : 1.0;
  }
  for (auto& region : control.regions)
    region.weight *= (region.guide.defined() ? region.guide.mean().item<double>() : 1.0) / std::max(total_area, 1e-8);
  if (!options.content.empty()) control.stylised_area = area;
  return control;
}

}  // namespace impasto
