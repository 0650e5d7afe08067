#pragma once
#include <string>
#include <vector>

namespace impasto {

// Runs a program found on PATH with these arguments (no shell), its output discarded; returns its
// exit status, or 127 when it cannot be started.
int run_program(const std::vector<std::string>& argv);

// The same, keeping what it prints (stdout and stderr together) in `output`.
int run_program_output(const std::vector<std::string>& argv, std::string& output);

}  // namespace impasto
