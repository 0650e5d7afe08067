#include "video/frame_painter.h"

#include <torch/torch.h>

#include "video/frame_tensor.h"

namespace impasto {

FrameRecord paint_frame(const RunPlan& plan, const Network& network, ImageJob job, int index, int frames,
                        const VideoCallbacks& callbacks, torch::Tensor& written) {
  torch::Tensor painted;
  job.written = &painted;
  RunCallbacks frame_callbacks;
  frame_callbacks.on_iteration = [&](const IterationRecord& r, int planned) {
    if (callbacks.on_iteration) callbacks.on_iteration(index + 1, frames, r.iteration, planned);
  };
  frame_callbacks.cancelled = callbacks.cancelled;
  const RunResult run = run_image(plan, network, job, frame_callbacks);
  written = tensor_from_frame(frame_from_tensor(painted)).to(painted.device());

  FrameRecord record;
  record.frame = index + 1;
  record.iterations = run.final.iteration;
  record.losses = run.final.losses;
  record.losses.emplace_back("total", run.final.total_loss);
  return record;
}

}  // namespace impasto
