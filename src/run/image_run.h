#pragma once
#include <torch/types.h>

#include <functional>
#include <string>

#include "impasto/stylize.h"
#include "run/run_plan.h"

namespace impasto {

// One image painted with a prepared plan and network. stylize() runs one from the options' files;
// callers painting many images against one network (video frames, batches) run one per image.
struct ImageJob {
  torch::Tensor content;  // [1,3,H,W] in 0..1 at its own size; undefined: the plan's content file (or none)
  torch::Tensor init;     // the starting image (resized to each scale); undefined: the plan's --init
  // Called for each scale with the objective configuration the plan gives it, before the objective is
  // built: where a caller adds the inputs of further loss terms (e.g. warped earlier frames).
  std::function<void(ObjectiveConfig&, const RunPlan::Scale&)> configure;
  std::string output;            // empty: the plan's --output
  torch::Tensor* written = nullptr;  // when set, receives the written image [1,3,H,W]
};

// Runs the plan's scales on one image and writes it (and the plan's report, animation and
// snapshots). Throws InputError for bad input and RunCancelled when the callbacks ask to stop.
RunResult run_image(const RunPlan& plan, const Network& network, const ImageJob& job,
                    const RunCallbacks& callbacks = {});

}  // namespace impasto
