#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "nets/network_spec.h"

namespace impasto {

// Model directories in search order: explicit --model-dir, $IMPASTO_MODEL_DIR, the user data
// directory ($XDG_DATA_HOME or ~/.local/share)/impasto/models, ./models, ../shared/models from the
// working directory and from the executable's build directory.
std::vector<std::filesystem::path> model_directories(const std::string& explicit_dir);

// The weights file for a network: model_file when given, else the first default file found in the
// model directories. Throws InputError saying where it looked.
std::filesystem::path locate_weights(const NetworkSpec& spec, const std::string& model_file,
                                     const std::string& model_dir);

}  // namespace impasto
