#pragma once
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/options.h"
#include "nets/network.h"
#include "optim/optimize.h"
#include "transfer/objective.h"
#include "transfer/tiling.h"

namespace impasto {

class WeightSource;

// Everything a run needs, resolved once from the options and the weights found: the network and its
// weights (with default layers cut to a partial file), how the image is fed to it, the size of every
// scale and whether it is tiled, and the objective's and optimiser's configuration. stylize(), the
// dry-run estimate, bench, the report and the studio's defaults all read a plan; nothing else
// recomputes a default or a weight.
struct RunPlan {
  Options options;                         // validated
  const NetworkSpec* spec = nullptr;
  std::filesystem::path weights_path;      // "random" for untrained weights (--model-file random)
  std::shared_ptr<const WeightSource> weights;  // open until build_network(); null for random weights
  std::vector<std::string> notes;          // choices made for the user (default layers cut to a file)
  std::string input_source;                // where the input convention came from
  NetworkConfig network;                   // input convention resolved, device chosen
  ObjectiveConfig objective;               // per-scale parts (regions, windowed) are set by the run
  OptimizerConfig optimizer;               // iterations per scale
  TilingConfig tiling;                     // tile 0: no scale is tiled

  struct Scale {
    int size = 0;                          // longest side
    int64_t height = 0, width = 0;
    bool tiled = false;
    bool photorealistic = false;           // --photorealistic's second stage: the matting term is on
  };
  std::vector<Scale> scales;               // coarse to fine; the last one is the output
  int content_height = 0, content_width = 0;  // the content image's own size (0: texture)

  bool random_weights() const { return !weights && weights_path == "random"; }
  int planned_iterations() const { return options.iterations * static_cast<int>(scales.size()); }
  const Scale& output_scale() const { return scales.back(); }
  std::vector<std::string> taps() const { return Objective::taps(objective); }
};

struct ImageSize {
  int64_t height = 0, width = 0;
};

// Resolves `options` (validated here) into a plan. The content's size comes from `content_size` when
// given (video frames), else from options.content (read here), else the output is square. With
// open_weights false the weights file is located but not read: layers are not cut to it and the
// input convention is the network's own (for estimates that need no weights).
RunPlan plan_run(const Options& options, std::optional<ImageSize> content_size = std::nullopt,
                 bool open_weights = true);

// The type the network's layers compute in for --precision (fp32 and tf32: kFloat).
torch::Dtype network_dtype(const std::string& precision);

// Builds the plan's network from its weights (random ones for "random"), then lets go of the file.
std::unique_ptr<Network> build_network(RunPlan& plan);

// The defaults a run takes for what the user leaves out (size, iterations, loss weights, optimiser),
// as the studio shows them: {"size": 512, "iterations": 500, ...}.
nlohmann::json run_defaults();

}  // namespace impasto
