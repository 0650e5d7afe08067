#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace impasto::server {

// The recent Server-Sent Events of the studio, numbered, so that every open page (one event
// stream each) sends the same events in the same order, and one that fell behind knows it.
class EventLog {
 public:
  explicit EventLog(size_t capacity = 2048);

  void publish(const std::string& name, const nlohmann::json& data);

  struct Batch {
    std::vector<std::string> frames;  // "event: name\ndata: {...}\n\n"
    uint64_t last = 0;                // number of the last event in frames (or `after`)
    bool missed = false;              // events after `after` were already dropped
    bool closed = false;
  };
  // Events numbered after `after`, waiting up to `timeout` for the first one.
  Batch wait(uint64_t after, std::chrono::milliseconds timeout);
  uint64_t last() const;

  // Wakes every waiter for good; used when the server stops.
  void close();

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> frames_;
  uint64_t last_ = 0;  // number of frames_.back()
  bool closed_ = false;
};

// One SSE frame.
std::string sse_frame(const std::string& name, const nlohmann::json& data);

}  // namespace impasto::server
