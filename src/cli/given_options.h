#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "batch/job_list.h"

namespace impasto {

// The options given on `command`'s command line (as written, repeated ones with each value; flags
// without values) whose names `wanted` accepts, in the command's order.
batch::GivenOptions given_options(const CLI::App& command, const std::function<bool(const std::string&)>& wanted);

}  // namespace impasto
