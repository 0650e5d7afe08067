#include "run/run_plan.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <tuple>
#include <nlohmann/json.hpp>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "nets/model_locator.h"
#include "nets/partial_weights.h"
#include "transfer/schedule.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

torch::Device parse_device(const std::string& name) {
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw InputError("--device cuda: no CUDA device available (or this build's libtorch has no CUDA support)");
    return torch::kCUDA;
  }
  return torch::kCPU;
}

// tf32 lets cuDNN and cuBLAS use the tensor cores on fp32 data (10-bit mantissa products); fp32 forbids
// it (cuDNN allows it by default). cuDNN times its algorithms on the first call of each shape, as
// neural-style's -cudnn_autotune.
void configure_cuda_arithmetic(const std::string& precision) {
  at::globalContext().setAllowTF32CuDNN(precision == "tf32");
  at::globalContext().setFloat32MatmulPrecision(precision == "tf32" ? "high" : "highest");
  at::globalContext().setBenchmarkCuDNN(true);
}

OptimizerConfig optimizer_config_for(const Options& options) {
  OptimizerConfig config;
  config.kind = options.optimizer;
  config.iterations = options.iterations;
  config.learning_rate = options.learning_rate;
  config.lbfgs_history = options.lbfgs_history;
  config.tolerance = options.tolerance;
  return config;
}

}  // namespace

torch::Dtype network_dtype(const std::string& precision) {
  if (precision == "fp16") return torch::kHalf;
  if (precision == "bf16") return torch::kBFloat16;
  return torch::kFloat;
}

RunPlan plan_run(const Options& options, std::optional<ImageSize> content_size, bool open) {
  validate(options);
  RunPlan plan;
  plan.options = options;
  // Patches matched from noise need coarse to fine, as CNNMRF and neural doodle run them: up to three
  // scales, the coarsest no smaller than 64 px (smaller ones hold too few patches to match).
  if (options.scales.empty() && options.style_loss == "mrf") {
    int count = 1;
    while (count < 3 && (options.size >> count) >= 64) ++count;
    plan.options.scales = {count};
  }
  plan.spec = &network_spec(options.model);
  plan.network.device = parse_device(options.device);
  plan.network.dtype = network_dtype(options.precision);
  if (plan.network.device.is_cuda()) configure_cuda_arithmetic(options.precision);
  plan.network.average_pooling = options.pooling == "avg";
  plan.objective = objective_config_for(options, *plan.spec);
  plan.optimizer = optimizer_config_for(options);
  plan.tiling.tile = options.tile;
  plan.tiling.overlap = tile_overlap(options.tile);
  plan.tiling.seed = options.seed;

  // "--model-file random": untrained weights, for timing and memory measurements only.
  const bool random = options.model_file == "random";
  plan.weights_path = random ? "random" : locate_weights(*plan.spec, options.model_file, options.model_dir);
  if (!random && open) {
    plan.weights = open_weights(plan.weights_path);
    const auto cut = cut_defaults(*plan.spec, computable_nodes(*plan.spec, *plan.weights),
                                  LayerChoice{options.content_layers, options.style_layers});
    if (cut) {
      Options layered = options;
      layered.content_layers = cut->layers.content_layers;
      layered.style_layers = cut->layers.style_layers;
      plan.objective = objective_config_for(layered, *plan.spec);
      plan.notes.push_back(plan.weights_path.string() + " holds only the first part of " + plan.spec->name +
                           ": using " + cut->told);
    }
  }
  plan.network.input =
      resolve_input_convention(*plan.spec, plan.weights.get(), options.input_convention, &plan.input_source);

  if (!content_size && !options.content.empty()) {
    const torch::Tensor content = load_image(options.content, "content image");
    content_size = ImageSize{content.size(2), content.size(3)};
  }
  if (content_size) {
    plan.content_height = static_cast<int>(content_size->height);
    plan.content_width = static_cast<int>(content_size->width);
  }
  // The output's shape: the photo's, or a texture's doodle (--content-map without a photo), else square.
  std::optional<ImageSize> shape = content_size;
  if (!shape && !options.content_map.empty()) {
    const torch::Tensor doodle = load_image(options.content_map, "content map");
    shape = ImageSize{doodle.size(2), doodle.size(3)};
  }
  for (const int size : scale_sizes(plan.options.scales, options.size)) {
    RunPlan::Scale scale;
    scale.size = size;
    scale.height = scale.width = size;
    if (shape) std::tie(scale.height, scale.width) = longest_side_size(shape->height, shape->width, size);
    scale.tiled = options.tile > 0 && size > options.tile;
    plan.scales.push_back(scale);
  }
  if (options.photorealistic > 0) {  // as Luan et al.: stylise first, then again with the matting term
    RunPlan::Scale second = plan.scales.back();
    second.photorealistic = true;
    plan.scales.push_back(second);
  }
  return plan;
}

std::unique_ptr<Network> build_network(RunPlan& plan) {
  auto network = std::make_unique<Network>(*plan.spec, plan.weights.get(), plan.taps(), plan.network);
  plan.weights.reset();  // the network holds its parameters now
  return network;
}

nlohmann::json run_defaults() {
  const Options d;
  return {{"size", d.size},
          {"iterations", d.iterations},
          {"content_weight", d.content_weight},
          {"style_weight", d.style_weight},
          {"tv_weight", d.tv_weight},
          {"model", d.model},
          {"optimizer", d.optimizer},
          {"style_loss", d.style_loss}};
}

}  // namespace impasto
