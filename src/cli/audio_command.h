#pragma once
#include <CLI/CLI.hpp>

#include "impasto/audio.h"

namespace impasto {

// The options of `impasto audio`.
CLI::App* add_audio_command(CLI::App& app, AudioOptions& options);

// Runs it with a progress bar on stderr; returns the exit code (input errors are thrown).
int run_audio_command(const AudioOptions& options);

}  // namespace impasto
