#pragma once
#include <CLI/CLI.hpp>

#include "server/serve.h"

namespace impasto {

// The options of `impasto serve`.
CLI::App* add_serve_command(CLI::App& app, server::ServeOptions& options);

}  // namespace impasto
