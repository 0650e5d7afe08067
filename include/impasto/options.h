#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace impasto {

// Everything a run needs. The CLI, the tests and (later) the server fill the same struct; it is
// serialised verbatim into the run report's "options".
struct Options {
  std::string content;                 // empty: texture synthesis from the styles alone
  std::vector<std::string> styles;
  std::vector<double> style_blend;     // one weight per style; empty: equal weights
  double style_scale = 1.0;            // style images are resized to style_scale * output size
  std::string output = "out.png";

  int size = 512;                      // longer side of the output
  int iterations = 500;                // per scale (see scales)
  std::vector<int> scales;             // coarse to fine: one number N = N sizes halving up to `size`;
                                       // several = these sizes, ascending, the last equal to `size`
  int tile = 0;                        // scales larger than this are optimised in overlapping tiles; 0: off
  double content_weight = 1.0;
  double style_weight = 100;
  double tv_weight = 1.0;
  std::string content_layers;          // "name[:weight],..."; empty: the network's defaults
  std::string style_layers;
  std::string pooling = "max";         // max | avg

  std::string init = "content";        // content | noise | PATH of an image
  uint64_t seed = 0;
  std::string optimizer = "lbfgs";     // lbfgs | adam
  double learning_rate = 0;            // 0: the optimiser's default (1 for L-BFGS, 0.02 for Adam)
  int lbfgs_history = 10;
  bool normalize_gradients = false;
  double tolerance = 0;                // stop when the relative loss change stays below this

  int save_every = 0;                  // numbered snapshots; 0: none
  int print_every = 50;                // plain progress lines when stderr is not a terminal

  std::string model = "squeezenet";    // squeezenet | vgg19 | vgg16
  std::string model_file;              // explicit weights file or directory
  std::string model_dir;               // where the default weights live; empty: search order
  std::string input_convention = "auto";  // auto | caffe | torchvision | matconvnet (README "Input conventions")
  std::string device = "cpu";          // cpu | cuda
  // Arithmetic of the network on the GPU: fp32 | tf32 | fp16 | bf16 (Gram matrices and losses stay fp32).
  std::string precision = "fp32";
  int threads = 0;                     // 0: all cores
  std::string report;                  // JSON run record; empty: none

  // Artistic controls (README "Controls").
  std::string preserve_colors;         // "" | luminance | histogram
  std::vector<std::string> style_masks;  // one grey image per style: where in the output it applies
  std::string content_mask;            // grey image: where the output is stylised (black: the photo)
  std::vector<std::string> style_maps;   // one colour-coded map per style (semantic regions)
  std::string content_map;             // colour-coded map of the output, matched to the style maps
  std::string style_loss = "gram";     // gram | meancov | wasserstein | mrf (patches, transfer/mrf_term.h)
  double semantic_weight = 2.0;        // mrf with maps: how strongly patches keep to their own region
  int bit_depth = 8;                   // 8 | 16 (16: .png and .tif only)
  std::string animate;                 // .gif or .mp4 of the run; empty: none
  int animate_every = 10;              // a frame every N iterations
  // Finishing (README "Finishing"): applied to the final image before it is written.
  std::string smooth;                  // "" | guided[:R,EPS]: guided filter against the content photo
  std::vector<std::string> post;       // filters in order: match-colors, luminance, sharpen[:A], denoise[:H], strength:X
  double photorealistic = 0;           // > 0: weight of the matting-Laplacian term (Luan et al. 2017) in a
                                       // second stage at the output size; 0: off
};

void to_json(nlohmann::json& j, const Options& options);

// Checks values that need no file access; throws InputError naming the first bad option.
void validate(const Options& options);

}  // namespace impasto
