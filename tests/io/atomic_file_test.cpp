#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "image/image_io.h"
#include "weights/weights_test_util.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::read_bytes;
using testing::TempDir;

// A disk that fills up after `room` more bytes: writes beyond it fail with ENOSPC.
size_t room = 0;
ssize_t full_disk_write(int fd, const void* data, size_t size) {
  if (room == 0) {
    errno = ENOSPC;
    return -1;
  }
  const size_t n = std::min(size, room);
  room -= n;
  return ::write(fd, data, n);
}

class FullDisk {
 public:
  explicit FullDisk(size_t bytes) {
    room = bytes;
    previous_ = set_write_call_for_testing(full_disk_write);
  }
  ~FullDisk() { set_write_call_for_testing(previous_); }

 private:
  WriteCall previous_;
};

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, WritesAndReplaces) {
  TempDir dir;
  write_file_atomically((dir / "a.txt").string(), "first");
  write_file_atomically((dir / "a.txt").string(), "second, longer");
  EXPECT_EQ(read_bytes(dir / "a.txt"), "second, longer");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"a.txt"});
}

TEST(AtomicFile, AFullDiskKeepsTheOldFileLeavesNoTemporaryAndSaysWhy) {
  TempDir dir;
  const auto path = dir / "report.json";
  write_file_atomically(path.string(), "the good old report");
  {
    FullDisk disk(5);
    testing::expect_input_error([&] { write_file_atomically(path.string(), std::string(100000, 'x')); },
                                {"report.json", "No space left on device"});
  }
  EXPECT_EQ(read_bytes(path), "the good old report");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"report.json"});
}

TEST(AtomicFile, SaveImageOnAFullDiskKeepsTheOldImage) {
  TempDir dir;
  const auto path = dir / "out.png";
  const torch::Tensor image = torch::rand({1, 3, 64, 64});
  save_image(image, path.string());
  const std::string good = read_bytes(path);
  {
    FullDisk disk(100);
    testing::expect_input_error([&] { save_image(torch::rand({1, 3, 64, 64}), path.string()); },
                                {"out.png", "No space left on device"});
  }
  EXPECT_EQ(read_bytes(path), good);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out.png"});
}

// A real full filesystem: a 64 KiB tmpfs (needs the right to mount; skipped where there is none).
TEST(AtomicFile, ARealFullFilesystem) {
  TempDir dir;
  const fs::path mount_point = dir / "small";
  fs::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << "); the write wrapper tests cover this";
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount(at.c_str()); }
  } unmount{mount_point};
  const auto path = mount_point / "out.png";
  save_image(torch::full({1, 3, 8, 8}, 0.5), path.string());
  const std::string good = read_bytes(path);
  // Random pixels do not compress: about 200 KB of PNG for 64 KiB of room.
  testing::expect_input_error([&] { save_image(torch::rand({1, 3, 256, 256}), path.string()); },
                              {"out.png", "No space left on device"});
  EXPECT_EQ(read_bytes(path), good);
  EXPECT_EQ(names_in(mount_point), std::vector<std::string>{"out.png"});
  testing::expect_input_error([&] { write_file_atomically((mount_point / "r.json").string(), std::string(200000, ' ')); },
                              {"r.json", "No space left on device"});
  EXPECT_EQ(names_in(mount_point), std::vector<std::string>{"out.png"});
}

}  // namespace
}  // namespace impasto
