#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace impasto {

// Writes `bytes` to a temporary file beside `path`, checks every write, fsync and close, then renames
// it into place (and syncs the directory). On any failure the temporary is removed, a file already
// at `path` is left as it was, and InputError names the path and the reason ("No space left on
// device").
void write_file_atomically(const std::string& path, const std::string& bytes);

// Makes a finished file written by someone else (a video encoder) durable and moves it into place
// the same way: fsync, rename, directory sync. On failure both `temporary` and nothing at `path`
// change except that `temporary` is removed.
void commit_file(const std::string& temporary, const std::string& path);

// A unique temporary name beside `path` that keeps its extension (encoders choose by it):
// "dir/.name.tmp<pid>-<n>.ext".
std::string temporary_sibling(const std::string& path);

// For tests: the write(2) every write above goes through. A replacement that fails on demand
// (ENOSPC after N bytes) simulates a full disk. Returns the previous one; nullptr restores ::write.
using WriteCall = ssize_t (*)(int fd, const void* data, size_t size);
WriteCall set_write_call_for_testing(WriteCall call);

}  // namespace impasto
