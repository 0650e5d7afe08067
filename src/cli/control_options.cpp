#include "cli/control_options.h"

namespace impasto {

// The weight --photorealistic takes without a value (README "Photorealistic transfer").
constexpr const char* kPhotorealisticDefault = "1e5";

void add_control_options(CLI::App& command, Options& o, bool texture) {
  auto repeated = [&](const std::string& name, std::vector<std::string>& values, const std::string& help) {
    command.add_option(name, values, help)->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  if (!texture) {
    command.add_option("--preserve-colors", o.preserve_colors,
                       "keep the content's colours: luminance (transfer on luminance only) or histogram "
                       "(style colours matched to the content's first)");
    command.add_option("--content-mask", o.content_mask, "grey image: stylise where white, keep the photo where black");
  }
  repeated("--style-mask", o.style_masks, "grey image per --style: where in the output that style applies (white)");
  repeated("--style-map", o.style_maps, "colour-coded map per --style, matched by colour to --content-map");
  command.add_option("--content-map", o.content_map, "colour-coded map of the output (with --style-map)");
  command.add_option("--style-loss", o.style_loss,
                     "style statistic: gram, meancov, wasserstein, or mrf (nearest style patches; for doodles)")
      ->capture_default_str();
  command.add_option("--semantic-weight", o.semantic_weight,
                     "mrf with maps: how strongly patches keep to their own region")
      ->capture_default_str();
  command.add_option("--bit-depth", o.bit_depth, "8, or 16 for .png and .tif output")->capture_default_str();
  command.add_option("--animate", o.animate, "also write the run as an animation (.gif or .mp4)");
  command.add_option("--animate-every", o.animate_every, "a frame of the animation every N iterations")
      ->capture_default_str();
  if (!texture)
    command.add_option("--smooth", o.smooth,
                       "guided[:R,EPS]: edge-aware guided filter of the result against the photo (default 35,1e-3)");
  if (!texture)
    command.add_option("--photorealistic", o.photorealistic,
                       std::string("keep the result a photo (matting Laplacian, Luan et al. 2017) in a second stage; "
                                   "optional weight LAMBDA, ") + kPhotorealisticDefault + " when given alone")
        ->expected(0, 1)
        ->default_str(kPhotorealisticDefault)  // the value a bare --photorealistic takes
        ->option_text("[LAMBDA]");
  repeated("--post", o.post,
           "finishing filters in order: match-colors, luminance, sharpen[:AMOUNT], denoise[:H], strength:X");
}

}  // namespace impasto
