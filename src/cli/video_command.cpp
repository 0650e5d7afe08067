#include "cli/video_command.h"

#include <unistd.h>

#include <cstdio>

#include "impasto/errors.h"
#include "video/video_progress.h"

namespace impasto {

CLI::App* add_video_command(CLI::App& app, VideoOptions& o, VideoSlurmOptions& slurm,
                            const std::function<void(CLI::App&, Options&)>& add_transfer_options) {
  CLI::App* video = app.add_subcommand("video", "paint a video clip without flicker (optical flow, temporal loss)");
  o.frame.output = "out.mp4";
  add_transfer_options(*video, o.frame);
  video->get_option("--content")->description("video clip, folder of frames or frame pattern (frame_%04d.png)");
  video->get_option("--output")->description("output video (.mp4)");
  video->get_option("--iterations")->description("optimisation iterations of the first frame (per scale)");
  video->add_option("--frame-iterations", o.frame_iterations, "iterations of each later frame (at the output size only)")
      ->capture_default_str();
  video->add_option("--temporal-weight", o.temporal_weight,
                    "weight of the temporal loss along the flow (0: paint each frame on its own)")
      ->capture_default_str();
  video->add_option("--temporal-frames", o.temporal_frames, "earlier frames the temporal loss looks back to, e.g. 1,2,4")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->capture_default_str();
  video->add_option("--passes", o.passes,
                    "passes over the clip (> 1: the multi-pass algorithm, each later pass in the other direction, "
                    "--frame-iterations per frame each)")
      ->capture_default_str();
  video->add_option("--flow", o.flow, "optical flow: dis, deepflow, tvl1 or rlof")->capture_default_str();
  video->add_option("--flow-cache", o.flow_cache, "keep the flow in this folder (.flo) and reuse it on later runs");
  video->add_option("--frames-dir", o.frames_dir, "keep the painted frames as PNG in this folder");
  video->add_option("--max-frames", o.max_frames, "paint only the first N frames (0: all)")->capture_default_str();
  add_video_slurm_options(*video, slurm);
  return video;
}

int run_video_command(const CLI::App& video, const VideoOptions& options, const VideoSlurmOptions& slurm, bool dry_run) {
  if (slurm.requested()) return run_video_on_slurm(video, options, slurm, dry_run);
  if (dry_run) throw InputError("--dry-run is available for video only with --slurm (it writes the scripts)");
  for (const char* name : {"--chunk-frames", "--chunk-overlap", "--slurm-array-limit", "--gpus-per-task", "--sbatch-arg"})
    if (video.get_option(name)->count() > 0) throw InputError(std::string(name) + " applies to --slurm runs only");
  VideoProgress progress(stderr, isatty(STDERR_FILENO));
  VideoCallbacks callbacks;
  callbacks.on_iteration = [&](int frame, int frames, int iteration, int planned) {
    progress.iteration(frame, frames, iteration, planned);
  };
  callbacks.on_frame = [&](const FrameRecord& r, int frames) {
    progress.frame_done(r.frame, frames, r.iterations, r.seconds, r.resumed);
  };
  callbacks.on_pass = [&](int pass, int passes, bool backward) { progress.start_pass(pass, passes, backward); };
  callbacks.on_note = [&](const std::string& note) {
    progress.finish();
    std::fprintf(stderr, "note: %s\n", note.c_str());
  };
  VideoResult result;
  try {
    result = run_video(options, callbacks);
  } catch (...) {
    progress.finish();
    throw;
  }
  progress.finish();
  std::fprintf(stderr, "wrote %s (%d frames, %dx%d, %.3g fps, audio: %s; warping error %.5f, input %.5f)\n",
               options.frame.output.c_str(), result.frames, result.width, result.height, result.frames_per_second,
               result.audio.c_str(), result.warp_error, result.input_warp_error);
  return 0;
}

}  // namespace impasto
