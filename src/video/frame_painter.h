#pragma once
#include <torch/types.h>

#include "impasto/video.h"
#include "run/image_run.h"

namespace impasto {

// Paints frame `index` (from 0) of `frames` with `job` (whose output is the frame store's staging
// file), reporting its iterations to the clip's callbacks. Returns the frame's record (frame number,
// iterations, losses) and sets `written` to the frame as its PNG keeps it (8-bit, back in 0..1).
FrameRecord paint_frame(const RunPlan& plan, const Network& network, ImageJob job, int index, int frames,
                        const VideoCallbacks& callbacks, torch::Tensor& written);

}  // namespace impasto
