#pragma once
#include <CLI/CLI.hpp>

#include <functional>

#include "cli/video_slurm.h"
#include "impasto/video.h"

namespace impasto {

// The options of `impasto video`: those of stylize (added by add_transfer_options, which main owns)
// and the video's own.
CLI::App* add_video_command(CLI::App& app, VideoOptions& options, VideoSlurmOptions& slurm,
                            const std::function<void(CLI::App&, Options&)>& add_transfer_options);

// Runs it with progress on stderr (or on Slurm); returns the exit code. `video` is the parsed command.
// dry_run: --dry-run was given (only with --slurm: write the scripts, submit nothing).
int run_video_command(const CLI::App& video, const VideoOptions& options, const VideoSlurmOptions& slurm, bool dry_run);

}  // namespace impasto
