#pragma once
#include <CLI/CLI.hpp>

#include <functional>

#include "impasto/video.h"

namespace impasto {

// The options of `impasto video`: those of stylize (added by add_transfer_options, which main owns)
// and the video's own.
CLI::App* add_video_command(CLI::App& app, VideoOptions& options,
                            const std::function<void(CLI::App&, Options&)>& add_transfer_options);

// Runs it with progress on stderr; returns the exit code.
// dry_run: --dry-run was given (not available for video: an InputError).
int run_video_command(const VideoOptions& options, bool dry_run);

}  // namespace impasto
