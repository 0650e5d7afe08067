#include "server/event_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace impasto::server {

std::string sse_frame(const std::string& name, const nlohmann::json& data) {
  // dump() without indentation never contains a newline, so one data line is enough.
  return "event: " + name + "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

EventLog::EventLog(size_t capacity) : capacity_(capacity) {}

void EventLog::publish(const std::string& name, const nlohmann::json& data) {
  std::string frame = sse_frame(name, data);
  {
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(frame));
    ++last_;
    if (frames_.size() > capacity_) frames_.pop_front();
  }
  changed_.notify_all();
}

EventLog::Batch EventLog::wait(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || last_ > after; });
  Batch batch;
  batch.closed = closed_;
  batch.last = std::max(after, last_);
  if (last_ <= after) return batch;
  const uint64_t first_kept = last_ - frames_.size() + 1;
  batch.missed = after + 1 < first_kept;
  for (uint64_t n = std::max(after + 1, first_kept); n <= last_; ++n) batch.frames.push_back(frames_[n - first_kept]);
  return batch;
}

uint64_t EventLog::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

void EventLog::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace impasto::server
