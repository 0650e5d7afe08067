#include "video/flow_field.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "impasto/errors.h"
#include "runtime/stopwatch.h"
#include "video/flo_file.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

// FNV-1a of the pixels and size: names a frame in the cache (not a security boundary).
std::string frame_key(const cv::Mat& frame) {
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](const uint8_t* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  };
  const int size[2] = {frame.cols, frame.rows};
  mix(reinterpret_cast<const uint8_t*>(size), sizeof size);
  for (int y = 0; y < frame.rows; ++y) mix(frame.ptr<uint8_t>(y), frame.cols * frame.elemSize());
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace

FlowField::FlowField(const std::vector<cv::Mat>& frames, FlowMethod method, const std::string& cache_dir,
                     const std::vector<std::pair<int, int>>& pairs)
    : frames_(frames), method_(method), cache_dir_(cache_dir) {
  if (!cache_dir_.empty()) {
    std::error_code error;
    fs::create_directories(cache_dir_, error);
    if (!fs::is_directory(cache_dir_, error)) throw InputError("--flow-cache: cannot create folder '" + cache_dir_ + "'");
    for (const cv::Mat& frame : frames_) frame_keys_.push_back(frame_key(frame));
  }
  std::vector<Pair> ordered;
  for (const auto& [a, b] : pairs) {
    if (planned_.count({a, b})) continue;
    planned_[{a, b}] = planned_[{b, a}] = true;
    ordered.emplace_back(a, b);
  }
  worker_ = std::thread([this, ordered] { work(ordered); });
}

FlowField::~FlowField() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  worker_.join();
}

cv::Mat FlowField::compute_or_load(int a, int b) {
  const auto start = std::chrono::steady_clock::now();
  cv::Mat flow;
  std::string cached;
  if (!cache_dir_.empty()) {
    cached = (fs::path(cache_dir_) / (flow_method_name(method_) + "_" + frame_keys_[a] + "_" + frame_keys_[b] + ".flo")).string();
    std::error_code error;
    if (fs::exists(cached, error)) {
      flow = read_flo(cached);
      if (flow.size() != frames_[a].size()) flow.release();
    }
  }
  if (flow.empty()) {
    flow = compute_flow(frames_[a], frames_[b], method_);
    if (!cached.empty()) write_flo(cached, flow);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  seconds_computing_ += seconds_since(start);
  return flow;
}

void FlowField::work(std::vector<Pair> pairs) {
  try {
    for (const auto& [a, b] : pairs) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
      }
      cv::Mat forward = compute_or_load(a, b);
      cv::Mat backward = compute_or_load(b, a);
      std::lock_guard<std::mutex> lock(mutex_);
      flows_[{a, b}] = forward;
      flows_[{b, a}] = backward;
      ready_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    ready_.notify_all();
  }
}

cv::Mat FlowField::flow(int a, int b) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!planned_.count({a, b})) {
    lock.unlock();
    return compute_or_load(a, b);
  }
  const auto start = std::chrono::steady_clock::now();
  ready_.wait(lock, [&] { return flows_.count({a, b}) || error_; });
  seconds_waiting_ += seconds_since(start);
  if (!flows_.count({a, b})) std::rethrow_exception(error_);
  return flows_[{a, b}];
}

double FlowField::seconds_computing() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seconds_computing_;
}

double FlowField::seconds_waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seconds_waiting_;
}

}  // namespace impasto
