#include "impasto/stylize.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "image/animation.h"
#include "image/image_io.h"
#include "io/output_paths.h"
#include "report/loss_breakdown.h"
#include "run/image_run.h"
#include "run/run_plan.h"
#include "runtime/cpu_runtime.h"
#include "tuning/tuner.h"

namespace impasto {

int64_t peak_memory_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

RunResult stylize(const Options& options, const RunCallbacks& callbacks) {
  validate(options);
  check_output_paths(options);
  prepare_cpu_runtime(options.threads);
  RunPlan plan = plan_run(options);
  // The layout that runs fastest here, timed (or cached) at the output's size, or a tile's.
  const int tuned_size = options.tile > 0 ? std::min(options.tile, options.size) : options.size;
  plan.network.channels_last =
      tune_cpu(*plan.spec, plan.network, plan.taps(), tuned_size, tuned_size, tune_mode()).choice.channels_last;
  const std::unique_ptr<Network> network = build_network(plan);
  return run_image(plan, *network, {}, callbacks);
}

nlohmann::json run_report(const Options& options, const RunResult& result) {
  auto losses = [](const IterationRecord& r) {
    nlohmann::json terms = nlohmann::json::object();
    for (const auto& [name, value] : r.losses) terms[name] = value;
    return nlohmann::json{{"iteration", r.iteration},   {"content_loss", r.content_loss},
                          {"style_loss", r.style_loss}, {"tv_loss", r.tv_loss},
                          {"total_loss", r.total_loss}, {"seconds", r.seconds},
                          {"scale", r.scale},           {"losses", terms}};
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
