#pragma once
#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "impasto/video.h"
#include "run/run_plan.h"
#include "video/flow_field.h"
#include "video/frame_store.h"

namespace impasto {

class Network;

// The later passes of the multi-pass algorithm (Ruder, Dosovitskiy & Brox 2016, §4.2). The first
// pass is the single-pass run. Each later pass repaints every frame in the direction opposite to the
// pass before (pass 2 from the last frame back, pass 3 forward, ...): a frame starts from its own
// result of the pass before blended with the neighbour this pass painted just before it (warped, where
// reliable), and the temporal term holds it to that neighbour. Nothing is blended across a scene cut.
struct LaterPasses {
  const VideoOptions& options;            // options.passes passes in all; frame_iterations per frame each
  const std::vector<cv::Mat>& frames;     // the content frames
  FlowField& flows;
  const RunPlan& plan;                    // the plan of a later frame (the output size only)
  const Network& network;
  std::string work_folder;                // pass k's frames go to work_folder/pass_k
  nlohmann::json fingerprint;             // the run's; each pass store adds its number
};

// Runs passes 2..options.passes after `first` (the first pass's frames) and returns their stores, the
// last holding the final frames. records: the first pass's (their scene cuts are kept); each becomes
// the last pass's losses, with the iterations and seconds of every pass added up. A pass interrupted
// earlier continues after the frames it finished.
std::vector<std::unique_ptr<FrameStore>> run_later_passes(const LaterPasses& passes, const FrameStore& first,
                                                          std::vector<FrameRecord>& records,
                                                          const VideoCallbacks& callbacks);

}  // namespace impasto
