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
  int passes = 1;                        // > 1: the multi-pass algorithm (passes alternate direction)
  int first_frame = 0;                   // start at this frame of the clip (from 0): a chunk of a longer run
  bool write_video = true;               // false: only paint the frames into frames_dir (a chunk of a Slurm run)
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

// Where one chunk of a clip painted in chunks (impasto video --slurm) meets the chunk before it.
struct ChunkBoundary {
  int frame = 0;                         // the chunk's first own frame (1-based); the frames before it are blended
  double warp_error = 0;                 // the worst consecutive pair across the blend, in the written clip
  double unblended_warp_error = 0;       // the pair across the boundary had the chunks been cut, not blended
};

struct VideoResult {
  int frames = 0, width = 0, height = 0;
  double frames_per_second = 0;
  std::vector<FrameRecord> records;
  double warp_error = 0;                 // the clip's mean over consecutive output frames
  double input_warp_error = 0;           // the same measure of the input clip (a floor)
  double flow_seconds = 0;               // computing flow (on its own thread)
  double flow_wait_seconds = 0;          // painting waited for flow
  std::vector<ChunkBoundary> boundaries; // painted in chunks: where they meet (empty otherwise)
  std::string audio;                     // "none", "copied aac", ...
  std::vector<std::string> notes;
};

struct VideoCallbacks {
  // Each iteration of frame `frame` (1-based) of `frames`.
  std::function<void(int frame, int frames, int iteration, int planned)> on_iteration;
  // After each frame is written (also for frames read back when resuming).
  std::function<void(const FrameRecord&, int frames)> on_frame;
  std::function<void(const std::string&)> on_note;
  // When pass `pass` (from 1) of `passes` begins; backward: it paints from the last frame back.
  std::function<void(int pass, int passes, bool backward)> on_pass;
  // Polled every iteration: true stops the run (RunCancelled); the frames finished are kept.
  std::function<bool()> cancelled;
};

// Throws InputError for options run_video refuses before it reads the clip.
void check_video_options(const VideoOptions& options);

// Paints the clip and writes frame.output. Throws InputError for bad input (nothing written).
VideoResult run_video(const VideoOptions& options, const VideoCallbacks& callbacks = {});

nlohmann::json video_report(const VideoOptions& options, const VideoResult& result);

}  // namespace impasto
