#pragma once
// impasto video --slurm: the clip painted in chunks, one Slurm array task each, then put back
// together by an assembly job that runs when every chunk has finished (README "Video on Slurm").
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "impasto/video.h"

namespace impasto {

struct VideoSlurmOptions {
  bool slurm = false;
  int chunk_frames = 100;       // frames of each chunk's own
  int chunk_overlap = 10;       // frames each chunk paints before its own, crossfaded with the chunk before
  int array_limit = 0;
  int gpus_per_task = 0;
  std::vector<std::string> sbatch_args;
  std::vector<int> chunk_starts; // where chunks' own frames start (--slurm chooses them, and the scripts repeat them)
  int run_chunk = -1;           // what an array task runs: paint chunk K
  bool assemble = false;        // what the assembly job runs
  int clip_frames = 0;          // the clip's frames as the submission counted them (given to the assembly)
  bool requested() const { return slurm || run_chunk >= 0 || assemble; }
};

void add_video_slurm_options(CLI::App& video, VideoSlurmOptions& options);

// Submits (or with dry_run only writes) the scripts; or, as a task, paints one chunk or assembles
// the clip. `video` is the parsed command, whose options the scripts repeat. Returns the exit status.
int run_video_on_slurm(const CLI::App& video, const VideoOptions& options, const VideoSlurmOptions& slurm,
                       bool dry_run);

}  // namespace impasto
