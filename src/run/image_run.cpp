#include "run/image_run.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "image/animation.h"
#include "image/colour_preservation.h"
#include "image/image_io.h"
#include "image/post_filters.h"
#include "report/iteration_record.h"
#include "report/loss_breakdown.h"
#include "runtime/cpu_allocator.h"
#include "transfer/spatial_control.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

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

RunResult run_image(const RunPlan& plan, const Network& network, const ImageJob& job, const RunCallbacks& callbacks) {
  const Options& options = plan.options;
  const std::string& output = job.output.empty() ? options.output : job.output;
  const torch::Device device = plan.network.device;
  RunResult result;
  result.network = plan.spec->name;
  result.weights_file = plan.weights_path.string();
  result.input = network.input_convention();
  result.input_source = plan.input_source;
  result.notes = plan.notes;
  for (const auto& note : plan.notes)
    if (callbacks.on_note) callbacks.on_note(note);

  torch::Tensor original = job.content;
  if (!original.defined() && !options.content.empty()) original = load_image(options.content, "content image");
  if (original.defined()) {
    result.content_height = static_cast<int>(original.size(2));
    result.content_width = static_cast<int>(original.size(3));
  }
  const int planned = plan.planned_iterations();
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  int scale_size = 0;
  auto record = [&](int iteration, const LossValues& losses) {
    return iteration_record(iteration, losses, elapsed(), scale_size);
  };
  const RunPlan::Scale& last = plan.output_scale();
  std::unique_ptr<AnimationWriter> animation;
  if (!options.animate.empty()) animation = AnimationWriter::open(options.animate, last.width, last.height, 10);
  // What the objective sees and what is written, set per scale: black areas of the masks show the
  // content, and --preserve-colors gives the written image the content's colours.
  std::function<torch::Tensor(const torch::Tensor&)> seen, output_image;
  auto animate = [&](const torch::Tensor& current) {
    animation->add(resize_to(output_image(current), last.height, last.width));
  };
  auto after_iteration = [&](int iteration, const LossValues& losses, const torch::Tensor& current) {
    result.iterations.push_back(record(iteration, losses));
    if (callbacks.on_iteration) callbacks.on_iteration(result.iterations.back(), planned);
    if (options.save_every > 0 && iteration % options.save_every == 0)
      save_image(output_image(current), snapshot_path(output, iteration), options.bit_depth);
    if (animation && iteration % options.animate_every == 0) animate(current);
    if (callbacks.on_preview && callbacks.preview_every > 0 && iteration % callbacks.preview_every == 0)
      callbacks.on_preview(iteration, encode_png(output_image(current)));
    if (callbacks.cancelled && callbacks.cancelled()) throw RunCancelled();
    return true;
  };
  TilingConfig tiling = plan.tiling;

  // Coarse to fine: each scale starts from the previous result, upsampled, against targets
  // computed anew from the inputs resized to that scale. A single-scale run is the one-scale case.
  // Scales larger than --tile are optimised in tiles, against style targets at the tile's size.
  torch::Tensor image, content;
  std::vector<torch::Tensor> styles;
  std::unique_ptr<Objective> objective;
  ObjectiveConfig objective_config;
  std::unique_ptr<ColourPreservation> colours;
  std::unique_ptr<SpatialControl> spatial;
  std::vector<TileRect> last_tiles;
  for (const RunPlan::Scale& scale : plan.scales) {
    scale_size = scale.size;
    objective.reset();
    release_cached_cpu_memory();  // the previous scale's blocks, all of another size
    const int64_t height = scale.height, width = scale.width;
    content = original.defined() ? resize_to(original, height, width).to(device) : torch::Tensor();
    result.output_height = static_cast<int>(height);
    result.output_width = static_cast<int>(width);
    colours = std::make_unique<ColourPreservation>(options.preserve_colors, content);
    content = colours->content();
    styles.clear();
    const int style_size =
        std::max(1, static_cast<int>(std::lround((scale.tiled ? options.tile : scale.size) * options.style_scale)));
    for (const auto& path : options.styles)
      styles.push_back(colours->style(resize_longest(load_image(path, "style image"), style_size).to(device)));
    spatial = std::make_unique<SpatialControl>(load_spatial_control(options, height, width, styles));
    objective_config = plan.objective;
    objective_config.style_regions = spatial->regions;
    objective_config.windowed = scale.tiled;
    if (!scale.photorealistic) objective_config.matting_weight = 0;
    if (job.configure) job.configure(objective_config, scale);
    seen = [&](const torch::Tensor& x) { return spatial->composite(x, content); };
    tiling.seen = [&](const torch::Tensor& x, const TileRect& t) { return spatial->composite(x, content, t.y, t.x); };
    output_image = [&](const torch::Tensor& x) { return colours->finish(seen(x.detach())); };
    if (image.defined()) image = resize_to(image, height, width);
    else if (job.init.defined()) image = resize_to(job.init, height, width).to(device);
    else image = initial_image(options, content, height, width, device);
    if (animation && result.iterations.empty()) animate(image);
    network.check_input_size(scale.tiled ? std::min<int64_t>(height, options.tile) : height,
                             scale.tiled ? std::min<int64_t>(width, options.tile) : width);
    for (const auto& style : styles) network.check_input_size(style.size(2), style.size(3));
    objective = std::make_unique<Objective>(network, objective_config, content, styles, options.style_blend);
    release_cached_cpu_memory();  // blocks of the one-off target computation, sized unlike an iteration's

    const int done = result.iterations.empty() ? 0 : result.iterations.back().iteration;
    if (scale.tiled) {
      last_tiles = optimize_tiled(image, *objective, plan.optimizer, tiling,
                                  [&](int pass, const LossValues& losses, const torch::Tensor& current) {
                                    return after_iteration(done + std::min(pass * tiling.steps, options.iterations),
                                                           losses, current);
                                  });
    } else {
      optimize(image, plan.optimizer, [&](const torch::Tensor& x) { return objective->evaluate(seen(x)); },
               [&](int step, const LossValues& losses, const torch::Tensor& current) {
                 return after_iteration(done + step, losses, current);
               });
    }
  }

  const int iterations_run = result.iterations.empty() ? 0 : result.iterations.back().iteration;
  if (last.tiled) {
    release_cached_cpu_memory();  // tile-sized blocks; the whole-image work below needs other sizes
    result.final = record(iterations_run, evaluate_tiled(image, *objective, tiling));
    result.seam_ratio = seam_ratio(image, last_tiles);
    release_cached_cpu_memory();
  } else {
    image.requires_grad_(true);
    result.final = record(iterations_run, objective->evaluate(seen(image)));
    record_loss_breakdown(result, options, objective_config, *objective, network, styles, seen(image));
    image.requires_grad_(false);
  }
  torch::Tensor written = output_image(image);
  const bool finishing = !options.post.empty() || !options.smooth.empty();
  if (finishing)  // against the colour photo
    written = apply_post(written,
                         original.defined() ? resize_to(original, written.size(2), written.size(3)).to(device)
                                            : torch::Tensor(),
                         options);
  save_image(written, output, options.bit_depth);
  if (job.written) *job.written = written;
  if (animation) {
    // The last frame is the written image: after the last iteration's frame when finishing changed it.
    if (finishing || result.final.iteration % options.animate_every != 0) animation->add(written);
    animation->finish();
  }
  if (callbacks.on_preview) callbacks.on_preview(result.final.iteration, encode_png(written));
  result.peak_memory_bytes = peak_memory_bytes();
  if (!options.report.empty()) write_file_atomically(options.report, run_report(options, result).dump(2) + "\n");
  return result;
}

}  // namespace impasto
