#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace impasto::server {

struct UploadLimits {
  size_t max_bytes = 30u << 20;
  int64_t max_pixels = 50'000'000;
};

// An accepted image, stored under a name the server chose.
struct StoredImage {
  std::string id;    // random hex; the only handle requests use
  std::string name;  // the client's file name, for display only (never a path)
  int width = 0, height = 0;
  std::string format;
  std::filesystem::path file;
};

// Checks uploaded bytes (size, signature, declared size, full decode) and keeps the accepted ones
// in `directory`. Throws InputError with a message written for the person who chose the file.
class UploadStore {
 public:
  UploadStore(std::filesystem::path directory, UploadLimits limits);

  StoredImage add(const std::string& bytes, const std::string& client_name);
  std::optional<StoredImage> find(const std::string& id) const;
  const UploadLimits& limits() const { return limits_; }

 private:
  std::filesystem::path directory_;
  UploadLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, StoredImage> images_;
};

// The last component of a client-side file name, without control characters, at most 80 bytes.
std::string display_name(const std::string& client_name);

}  // namespace impasto::server
