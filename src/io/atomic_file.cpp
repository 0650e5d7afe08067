#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

std::atomic<WriteCall> write_call{nullptr};

ssize_t write_some(int fd, const void* data, size_t size) {
  const WriteCall call = write_call.load();
  return call ? call(fd, data, size) : ::write(fd, data, size);
}

[[noreturn]] void fail(const std::string& path, int error) {
  throw InputError("cannot write '" + path + "': " + std::strerror(error));
}

// The directory entry of a rename is durable only once its directory is synced; a failure there
// (a filesystem without directory fsync) loses nothing already written, so it is not an error.
void sync_directory(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Removes `temporary` and throws for `error`.
[[noreturn]] void abandon(const std::string& temporary, const std::string& path, int error) {
  ::unlink(temporary.c_str());
  fail(path, error);
}

}  // namespace

WriteCall set_write_call_for_testing(WriteCall call) { return write_call.exchange(call); }

std::string temporary_sibling(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  const fs::path p(path);
  return (p.parent_path() / ("." + p.stem().string() + ".tmp" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++) + p.extension().string()))
      .string();
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string temporary = temporary_sibling(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, errno);
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = write_some(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      abandon(temporary, path, error);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  // Delayed allocation (ext4, XFS, NFS) reports a full disk only here.
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    abandon(temporary, path, error);
  }
  if (::close(fd) != 0) abandon(temporary, path, errno);
  if (::rename(temporary.c_str(), path.c_str()) != 0) abandon(temporary, path, errno);
  sync_directory(path);
}

void commit_file(const std::string& temporary, const std::string& path) {
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) abandon(temporary, path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    const int error = st.st_size == 0 ? EIO : errno;
    ::close(fd);
    abandon(temporary, path, error);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    abandon(temporary, path, error);
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) abandon(temporary, path, errno);
  sync_directory(path);
}

}  // namespace impasto
