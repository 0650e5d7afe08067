#include "impasto/stylize.h"

#include <sys/resource.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "image/animation.h"
#include "image/colour_preservation.h"
#include "image/image_io.h"
#include "impasto/errors.h"
#include "nets/model_locator.h"
#include "nets/network.h"
#include "nets/partial_weights.h"
#include "optim/optimize.h"
#include "report/loss_breakdown.h"
#include "runtime/cpu_allocator.h"
#include "runtime/cpu_runtime.h"
#include "transfer/objective.h"
#include "transfer/spatial_control.h"
#include "transfer/schedule.h"
#include "transfer/tiling.h"
#include "tuning/tuner.h"
#include "weights/weight_source.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

torch::Device parse_device(const std::string& name) {
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw InputError("--device cuda: no CUDA device available (or this build's libtorch has no CUDA support)");
    return torch::kCUDA;
  }
  return torch::kCPU;
}

std::string snapshot_path(const std::string& output, int iteration) {
  const fs::path path(output);
  char number[16];
  std::snprintf(number, sizeof number, "_%04d", iteration);
  return (path.parent_path() / (path.stem().string() + number + path.extension().string())).string();
}

torch::Tensor initial_image(const Options& options, const torch::Tensor& content, int64_t height, int64_t width,
                            torch::Device device) {
  if (options.init == "content" && content.defined()) return content.clone();
  if (options.init == "content" || options.init == "noise") {
    torch::manual_seed(options.seed);
    return (torch::randn({1, 3, height, width}) * 0.1 + 0.5).clamp_(0, 1).to(device);
  }
  return resize_to(load_image(options.init, "--init image"), height, width).to(device);
}

}  // namespace

int64_t peak_memory_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

RunResult stylize(const Options& options, const RunCallbacks& callbacks) {
  validate(options);
  check_writable_image_path(options.output);
  if (!options.animate.empty()) check_animation_path(options.animate);
  prepare_cpu_runtime(options.threads);
  const torch::Device device = parse_device(options.device);
  const NetworkSpec& spec = network_spec(options.model);

  ObjectiveConfig objective_config = objective_config_for(options, spec);

  RunResult result;
  result.network = spec.name;
  // "--model-file random": untrained weights, for timing and memory measurements only.
  const bool random_weights = options.model_file == "random";
  const fs::path weights_path = random_weights ? "random" : locate_weights(spec, options.model_file, options.model_dir);
  result.weights_file = weights_path.string();
  NetworkConfig network_config;
  network_config.average_pooling = options.pooling == "avg";
  network_config.device = device;
  std::unique_ptr<Network> network;
  {
    auto weights = random_weights ? nullptr : open_weights(weights_path);  // freed once the network holds its parameters
    if (weights) {
      const auto cut = cut_defaults(spec, computable_nodes(spec, *weights),
                                    LayerChoice{options.content_layers, options.style_layers});
      if (cut) {
        Options layered = options;
        layered.content_layers = cut->layers.content_layers;
        layered.style_layers = cut->layers.style_layers;
        objective_config = objective_config_for(layered, spec);
        result.notes.push_back(weights_path.string() + " holds only the first part of " + spec.name + ": using " +
                               cut->told);
        if (callbacks.on_note) callbacks.on_note(result.notes.back());
      }
    }
    network_config.input =
        resolve_input_convention(spec, weights.get(), options.input_convention, &result.input_source);
    result.input = *network_config.input;
    // The layout that runs fastest here, timed (or cached) at the output's size, or a tile's.
    const int tuned_size = options.tile > 0 ? std::min(options.tile, options.size) : options.size;
    network_config.channels_last = tune_cpu(spec, network_config, Objective::taps(objective_config), tuned_size,
                                            tuned_size, tune_mode())
                                       .choice.channels_last;
    network = std::make_unique<Network>(spec, weights.get(), Objective::taps(objective_config), network_config);
  }

  OptimizerConfig optimizer_config;
  optimizer_config.kind = options.optimizer;
  optimizer_config.iterations = options.iterations;
  optimizer_config.learning_rate = options.learning_rate;
  optimizer_config.lbfgs_history = options.lbfgs_history;
  optimizer_config.tolerance = options.tolerance;

  const std::vector<int> sizes = scale_sizes(options.scales, options.size);
  const int planned = options.iterations * static_cast<int>(sizes.size());
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  int scale = 0;
  auto record = [&](int iteration, const LossValues& losses) {
    return IterationRecord{iteration, losses.content, losses.style, losses.tv, losses.total, elapsed(), scale};
  };
  // The output size, known before the first scale: animation frames are all drawn at it.
  int64_t final_height = options.size, final_width = options.size;
  if (!options.content.empty()) {
    const torch::Tensor original = load_image(options.content, "content image");
    const torch::Tensor sized = resize_longest(original, options.size);
    final_height = sized.size(2);
    final_width = sized.size(3);
  }
  std::unique_ptr<AnimationWriter> animation;
  if (!options.animate.empty()) animation = AnimationWriter::open(options.animate, final_width, final_height, 10);
  // What the objective sees and what is written, set per scale: black areas of the masks show the
  // content, and --preserve-colors gives the written image the content's colours.
  std::function<torch::Tensor(const torch::Tensor&)> seen, output_image;
  auto animate = [&](const torch::Tensor& current) {
    animation->add(resize_to(output_image(current), final_height, final_width));
  };
  auto after_iteration = [&](int iteration, const LossValues& losses, const torch::Tensor& current) {
    result.iterations.push_back(record(iteration, losses));
    if (callbacks.on_iteration) callbacks.on_iteration(result.iterations.back(), planned);
    if (options.save_every > 0 && iteration % options.save_every == 0)
      save_image(output_image(current), snapshot_path(options.output, iteration), options.bit_depth);
    if (animation && iteration % options.animate_every == 0) animate(current);
    if (callbacks.on_preview && callbacks.preview_every > 0 && iteration % callbacks.preview_every == 0)
      callbacks.on_preview(iteration, encode_png(output_image(current)));
    if (callbacks.cancelled && callbacks.cancelled()) throw RunCancelled();
    return true;
  };
  TilingConfig tiling;
  tiling.tile = options.tile;
  tiling.overlap = tile_overlap(options.tile);
  tiling.seed = options.seed;

  // Coarse to fine: each scale starts from the previous result, upsampled, against targets
  // computed anew from the inputs resized to that scale. A single-scale run is the one-scale case.
  // Scales larger than --tile are optimised in tiles, against style targets at the tile's size.
  torch::Tensor image, content;
  std::vector<torch::Tensor> styles;
  std::unique_ptr<Objective> objective;
  std::unique_ptr<ColourPreservation> colours;
  std::unique_ptr<SpatialControl> spatial;
  std::vector<TileRect> last_tiles;
  bool tiled = false;
  for (const int size : sizes) {
    scale = size;
    objective.reset();
    release_cached_cpu_memory();  // the previous scale's blocks, all of another size
    tiled = options.tile > 0 && size > options.tile;
    int64_t height = size, width = size;
    if (!options.content.empty()) {
      torch::Tensor original = load_image(options.content, "content image");
      result.content_height = static_cast<int>(original.size(2));
      result.content_width = static_cast<int>(original.size(3));
      content = resize_longest(original, size).to(device);
      height = content.size(2);
      width = content.size(3);
    }
    result.output_height = static_cast<int>(height);
    result.output_width = static_cast<int>(width);
    colours = std::make_unique<ColourPreservation>(options.preserve_colors, content);
    content = colours->content();
    styles.clear();
    const int style_size = std::max(1, static_cast<int>(std::lround((tiled ? options.tile : size) * options.style_scale)));
    for (const auto& path : options.styles)
      styles.push_back(colours->style(resize_longest(load_image(path, "style image"), style_size).to(device)));
    spatial = std::make_unique<SpatialControl>(load_spatial_control(options, height, width, styles));
    objective_config.style_regions = spatial->regions;
    seen = [&](const torch::Tensor& x) { return spatial->composite(x, content); };
    tiling.seen = [&](const torch::Tensor& x, const TileRect& t) { return spatial->composite(x, content, t.y, t.x); };
    output_image = [&](const torch::Tensor& x) { return colours->finish(seen(x.detach())); };
    image = image.defined() ? resize_to(image, height, width)
                            : initial_image(options, content, height, width, device);
    if (animation && result.iterations.empty()) animate(image);
    network->check_input_size(tiled ? std::min<int64_t>(height, options.tile) : height,
                              tiled ? std::min<int64_t>(width, options.tile) : width);
    for (const auto& style : styles) network->check_input_size(style.size(2), style.size(3));
    // Tiled: the content targets are set per tile; a forward pass of the whole content image would
    // need the memory the tiles avoid.
    objective = std::make_unique<Objective>(*network, objective_config, tiled ? torch::Tensor() : content, styles,
                                            options.style_blend);
    release_cached_cpu_memory();  // blocks of the one-off target computation, sized unlike an iteration's

    const int done = result.iterations.empty() ? 0 : result.iterations.back().iteration;
    if (tiled) {
      last_tiles = optimize_tiled(image, content, *objective, optimizer_config, tiling,
                                  [&](int pass, const LossValues& losses, const torch::Tensor& current) {
                                    return after_iteration(done + std::min(pass * tiling.steps, options.iterations),
                                                           losses, current);
                                  });
    } else {
      optimize(image, optimizer_config, [&](const torch::Tensor& x) { return objective->evaluate(seen(x)); },
               [&](int step, const LossValues& losses, const torch::Tensor& current) {
                 return after_iteration(done + step, losses, current);
               });
    }
  }

  const int iterations_run = result.iterations.empty() ? 0 : result.iterations.back().iteration;
  if (tiled) {
    release_cached_cpu_memory();  // tile-sized blocks; the whole-image work below needs other sizes
    result.final = record(iterations_run, evaluate_tiled(image, content, *objective, tiling));
    result.seam_ratio = seam_ratio(image, last_tiles);
    release_cached_cpu_memory();
  } else {
    image.requires_grad_(true);
    result.final = record(iterations_run, objective->evaluate(seen(image)));
    record_loss_breakdown(result, options, objective_config, *objective, *network, styles, seen(image));
    image.requires_grad_(false);
  }
  const torch::Tensor written = output_image(image);
  save_image(written, options.output, options.bit_depth);
  if (animation) {
    if (result.final.iteration % options.animate_every != 0) animation->add(written);
    animation->finish();
  }
  if (callbacks.on_preview) callbacks.on_preview(result.final.iteration, encode_png(written));
  result.peak_memory_bytes = peak_memory_bytes();
  if (!options.report.empty()) write_file_atomically(options.report, run_report(options, result).dump(2) + "\n");
  return result;
}

nlohmann::json run_report(const Options& options, const RunResult& result) {
  auto losses = [](const IterationRecord& r) {
    return nlohmann::json{{"iteration", r.iteration},   {"content_loss", r.content_loss},
                          {"style_loss", r.style_loss}, {"tv_loss", r.tv_loss},
                          {"total_loss", r.total_loss}, {"seconds", r.seconds},
                          {"scale", r.scale}};
  };
  nlohmann::json report;
  report["options"] = options;
  nlohmann::json input = result.input;
  input["source"] = result.input_source;
  report["network"] = {{"name", result.network}, {"weights", result.weights_file}, {"input", input}};
  report["content_size"] = {{"width", result.content_width}, {"height", result.content_height}};
  report["output_size"] = {{"width", result.output_width}, {"height", result.output_height}};
  report["iterations"] = nlohmann::json::array();
  for (const auto& r : result.iterations) report["iterations"].push_back(losses(r));
  report["final"] = losses(result.final);
  report["final"]["peak_memory_bytes"] = result.peak_memory_bytes;
  add_loss_breakdown(report, result);
  if (result.seam_ratio > 0) report["final"]["seam_ratio"] = result.seam_ratio;
  if (!result.notes.empty()) report["notes"] = result.notes;
  return report;
}

}  // namespace impasto
