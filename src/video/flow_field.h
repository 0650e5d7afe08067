#pragma once
#include <opencv2/core.hpp>

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "video/optical_flow.h"

namespace impasto {

// The optical flow between frames of one clip, both directions of each pair, computed ahead on a
// worker thread in the order the caller will ask for them (so flow overlaps the stylisation), and
// kept in `cache_dir` as Middlebury .flo files named by the method and the two frames' pixels (a
// rerun, or another run on the same clip and size, reads them back instead of computing them).
class FlowField {
 public:
  // frames: 8-bit BGR, one size, kept by reference (they must outlive this). pairs: (a, b) frame
  // indices in the order they are needed. cache_dir: empty for no cache; created when missing
  // (InputError when it cannot be).
  FlowField(const std::vector<cv::Mat>& frames, FlowMethod method, const std::string& cache_dir,
            const std::vector<std::pair<int, int>>& pairs);
  ~FlowField();
  FlowField(const FlowField&) = delete;
  FlowField& operator=(const FlowField&) = delete;

  // The flow from frame a to frame b (frame a's pixels: a(p) ≈ b(p + w(p))). Waits for the worker when
  // the pair is planned; computes it here otherwise. Rethrows the worker's error.
  cv::Mat flow(int a, int b);
  // Seconds spent computing (or reading) flow, on any thread, and seconds flow() waited for the worker.
  double seconds_computing() const;
  double seconds_waiting() const;

 private:
  using Pair = std::pair<int, int>;
  void work(std::vector<Pair> pairs);
  cv::Mat compute_or_load(int a, int b);

  const std::vector<cv::Mat>& frames_;
  FlowMethod method_;
  std::string cache_dir_;
  std::vector<std::string> frame_keys_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::map<Pair, cv::Mat> flows_;
  std::map<Pair, bool> planned_;
  std::exception_ptr error_;
  double seconds_computing_ = 0, seconds_waiting_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace impasto
