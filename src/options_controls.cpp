#include "options_controls.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "image/guided_smoothing.h"
#include "image/post_filters.h"
#include "impasto/errors.h"
#include "transfer/style_statistics.h"

namespace impasto {
namespace {

std::string lowercase_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

std::string count_mismatch(const std::string& option, size_t given, size_t styles) {
  return option + " has " + std::to_string(given) + " images for " + std::to_string(styles) +
         " styles (give one per --style)";
}

}  // namespace

void validate_controls(const Options& o) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
  };
  const bool texture = o.content.empty();
  require(o.preserve_colors.empty() || o.preserve_colors == "luminance" || o.preserve_colors == "histogram",
          "--preserve-colors must be luminance or histogram, got '" + o.preserve_colors + "'");
  require(o.preserve_colors.empty() || !texture, "--preserve-colors needs a content image");
  std::vector<std::string> names = style_statistic_names();
  names.push_back("mrf");
  if (std::find(names.begin(), names.end(), o.style_loss) == names.end()) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    throw InputError("--style-loss must be one of " + list + ", got '" + o.style_loss + "'");
  }
  require(o.style_masks.empty() || o.style_masks.size() == o.styles.size(),
          count_mismatch("--style-mask", o.style_masks.size(), o.styles.size()));
  require(o.style_maps.empty() || o.style_maps.size() == o.styles.size(),
          count_mismatch("--style-map", o.style_maps.size(), o.styles.size()));
  require(o.style_masks.empty() || o.style_maps.empty(), "--style-mask and --style-map cannot be combined");
  require(o.style_maps.empty() == o.content_map.empty(), "--style-map and --content-map must be given together");
  require(o.content_mask.empty() || !texture, "--content-mask needs a content image");
  require(o.bit_depth == 8 || o.bit_depth == 16, "--bit-depth must be 8 or 16, got " + std::to_string(o.bit_depth));
  const std::string extension = lowercase_extension(o.output);
  require(o.bit_depth == 8 || extension == ".png" || extension == ".tif" || extension == ".tiff",
          "--bit-depth 16 needs a .png or .tif output, got '" + o.output + "'");
  require(o.animate_every > 0, "--animate-every must be positive");
  require(!parse_smoothing(o.smooth) || !texture, "--smooth needs a content image");
  require(!post_filters_need_content(parse_post_filters(o.post)) || !texture,
          "--post match-colors, luminance and strength need a content image");
  require(o.semantic_weight >= 0, "--semantic-weight must not be negative");
  require(o.photorealistic >= 0, "--photorealistic must not be negative");
  require(o.photorealistic == 0 || !texture, "--photorealistic needs a content image");
  require(o.photorealistic == 0 || o.tile == 0,
          "--photorealistic cannot be combined with --tile (its matting Laplacian spans the whole image)");
}

}  // namespace impasto
