#pragma once
#include <CLI/CLI.hpp>

#include "impasto/options.h"

namespace impasto {

// The artistic controls of stylize and texture (README "Controls").
void add_control_options(CLI::App& command, Options& options, bool texture);

}  // namespace impasto
