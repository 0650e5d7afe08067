#pragma once
#include <filesystem>
#include <string>

namespace impasto {

// Lower-case hex SHA-256 of a file's bytes; throws InputError when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& path);

}  // namespace impasto
