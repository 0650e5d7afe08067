#pragma once
#include "impasto/options.h"

namespace impasto {

// Checks, before any work, that every file the run writes can be written and replaces none of its
// inputs: the image (a type OpenCV writes), the --report, the --animate file, each in an existing,
// writable directory and not a directory itself, and none of them the content, a style, a mask, a
// map or the --init image (compared as files: a symlink, a hard link or another spelling of the
// same path counts), nor two of them the same. Throws InputError naming both paths.
void check_output_paths(const Options& options);

// Throws InputError, naming `role`, when `path` is a directory or its directory is missing or not
// writable.
void check_writable_file(const std::string& path, const std::string& role);

}  // namespace impasto
