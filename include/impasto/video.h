#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/options.h"

namespace impasto {

// A video run (impasto video): every frame painted with `frame`'s options (frame.content is the clip,
// frame.output the .mp4), kept consistent along the optical flow (Ruder, Dosovitskiy & Brox 2016).
struct VideoOptions {
  Options frame;
  int frame_iterations = 30;             // iterations of every frame after the first (the first: frame.iterations)
  double temporal_weight = 1000;         // the temporal loss term's weight; 0: independent frames (the baseline)
  std::vector<int> temporal_frames{1, 2, 4};  // earlier frames the temporal term looks back to (1 = the previous)
  std::string flow = "dis";              // dis | deepflow | tvl1 | rlof
  std::string flow_cache;                // folder of .flo files reused between runs; empty: none
  std::string frames_dir;                // keeps the painted frames as PNG; empty: a hidden folder, removed at the end
  int max_frames = 0;                    // paint only the first N frames; 0: all
};

// One painted frame, as --report records it.
struct FrameRecord {
  int frame = 0;                         // 1-based
  int iterations = 0;
  std::vector<std::pair<std::string, double>> losses;  // the final image's weighted terms, total last
  double seconds = 0;                    // painting, flow waits included
  double warp_error = 0;                 // against the previous output (0 for the first frame)
  double flow_residual = 0;              // how badly the flow explains this content frame from the last
  bool scene_cut = false;                // a new shot starts here: painted as a first frame
  bool resumed = false;                  // read back from an earlier, interrupted run
};

struct VideoResult {
  int frames = 0, width = 0, height = 0;
  double frames_per_second = 0;
  std::vector<FrameRecord> records;
  double warp_error = 0;                 // the clip's mean over consecutive output frames
  double input_warp_error = 0;           // the same measure of the input clip (a floor)
  double flow_seconds = 0;               // computing flow (on its own thread)
  double flow_wait_seconds = 0;          // painting waited for flow
  std::string audio;                     // "none", "copied aac", ...
  std::vector<std::string> notes;
};

struct VideoCallbacks {
  // Each iteration of frame `frame` (1-based) of `frames`.
  std::function<void(int frame, int frames, int iteration, int planned)> on_iteration;
  // After each frame is written (also for frames read back when resuming).
  std::function<void(const FrameRecord&, int frames)> on_frame;
  std::function<void(const std::string&)> on_note;
};

// Paints the clip and writes frame.output. Throws InputError for bad input (nothing written).
VideoResult run_video(const VideoOptions& options, const VideoCallbacks& callbacks = {});

nlohmann::json video_report(const VideoOptions& options, const VideoResult& result);

}  // namespace impasto
