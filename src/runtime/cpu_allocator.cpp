#include "runtime/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <new>
#include <map>
#include <vector>

namespace impasto {
namespace {

constexpr size_t kAlignment = 64;             // what oneDNN and libtorch's own allocator use
// glibc's default mmap threshold: from this size on, malloc maps fresh pages and unmaps them on
// free, and each first touch is a page fault. Caching from 1 MiB left SqueezeNet's 1,032,256-byte
// gradients (16 channels at 127x127) to that path: their additions took 2 ms instead of 0.06 ms.
constexpr size_t kCachedFrom = size_t{1} << 17;

// Freed large blocks, by size: a style-transfer iteration requests the same sizes every time.
class BlockCache {
 public:
  // The smallest cached block of at least `size` bytes and at most 1/8 more; its real size is
  // stored in `size`. Taking slightly larger blocks keeps fewer distinct sizes alive.
  void* take(size_t& size) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(size);
    if (it == free_.end() || it->first > size + size / 8) return nullptr;
    void* block = it->second.back();
    it->second.pop_back();
    size = it->first;
    if (it->second.empty()) free_.erase(it);
    bytes_ -= size;
    return block;
  }
  void give(void* block, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_[size].push_back(block);
    bytes_ += size;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_)
      for (void* block : blocks) std::free(block);
    free_.clear();
    bytes_ = 0;
  }
  size_t bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
  }

 private:
  std::mutex mutex_;
  size_t bytes_ = 0;
  std::map<size_t, std::vector<void*>> free_;  // by size; no empty lists
};

BlockCache& cache() {
  static BlockCache* instance = new BlockCache;  // never destroyed: tensors may outlive statics
  return *instance;
}

size_t rounded(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

// Each block starts with one alignment unit holding its size, so that the deleter, which only
// receives the data pointer, knows where to file it.
size_t& size_of(void* data) { return *reinterpret_cast<size_t*>(static_cast<char*>(data) - kAlignment); }

void delete_block(void* data) {
  if (!data) return;
  const size_t size = size_of(data);
  void* base = static_cast<char*>(data) - kAlignment;
  if (size >= kCachedFrom) cache().give(base, size);
  else std::free(base);
}

// libtorch 2.3 made Allocator::allocate non-const and added copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define IMPASTO_ALLOCATE_QUALIFIER
#else
#define IMPASTO_ALLOCATE_QUALIFIER const
#endif

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) IMPASTO_ALLOCATE_QUALIFIER override {
    size_t size = rounded(std::max<size_t>(n, 1));
    void* base = size >= kCachedFrom ? cache().take(size) : nullptr;
    if (!base) base = std::aligned_alloc(kAlignment, size + kAlignment);
    if (!base) {
      cache().clear();
      base = std::aligned_alloc(kAlignment, size + kAlignment);
      if (!base) throw std::bad_alloc();
    }
    void* data = static_cast<char*>(base) + kAlignment;
    size_of(data) = size;
    return {data, data, &delete_block, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &delete_block; }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
};

}  // namespace

void install_caching_cpu_allocator() {
  if (const char* choice = std::getenv("IMPASTO_ALLOCATOR"); choice && std::string(choice) == "system") return;
  static CachingCpuAllocator* allocator = [] {
    auto* instance = new CachingCpuAllocator;
    c10::SetCPUAllocator(instance, /*priority=*/2);
    return instance;
  }();
  (void)allocator;
}

void release_cached_cpu_memory() { cache().clear(); }

size_t cached_cpu_bytes() { return cache().bytes(); }

}  // namespace impasto
