#pragma once
#include <torch/types.h>

#include <vector>

#include "impasto/options.h"
#include "transfer/objective.h"

namespace impasto {

// Spatial control (Gatys et al. 2017; neural doodle): where each style applies.
//   --style-mask (one per style): region i is where mask i is white, styled by style i alone.
//   --style-map / --content-map: each colour of the content map is a region, styled by the parts of
//     the style images whose maps have that colour (blended by --style-blend where several do).
//   --content-mask: the output is stylised where it is white and stays the content where it is black.
// Each region's loss is weighted by its share of the output (and, with masks, by the style's
// --style-blend weight), so the total style loss is on the scale of an unguided run.
struct SpatialControl {
  std::vector<StyleRegion> regions;  // empty: no guidance (ObjectiveConfig::style_regions)
  // [1,1,H,W]: where the optimised image shows; elsewhere the content does. Undefined: everywhere.
  torch::Tensor stylised_area;

  // The optimised image inside the stylised area, the content outside (differentiable in image).
  // A tile's image is the window of the output at (y, x); content is the whole content image.
  torch::Tensor composite(const torch::Tensor& image, const torch::Tensor& content, int64_t y = 0,
                          int64_t x = 0) const;
};

// Reads the masks and maps the options name, for an output of height x width and the prepared style
// images; without masks or maps, no regions. Throws InputError for unreadable files.
SpatialControl load_spatial_control(const Options& options, int64_t height, int64_t width,
                                    const std::vector<torch::Tensor>& styles);

}  // namespace impasto
