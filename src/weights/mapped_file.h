#pragma once
#include <cstdint>
#include <filesystem>

namespace impasto {

// A file mapped read-only into memory, so that a large weight file is indexed and decoded in place
// instead of being copied. Throws InputError when the file cannot be opened or mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace impasto
