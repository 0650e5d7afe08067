#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace impasto {

// Progress over a whole clip on stderr: on a terminal one redrawn line (frame i/N, iteration,
// frames per minute, ETA); otherwise a line per finished frame. The rate counts the frames painted
// in this run after the clip's first (which gets more iterations; resumed frames cost nothing).
class VideoProgress {
 public:
  VideoProgress(std::FILE* stream, bool terminal);
  void iteration(int frame, int frames, int iteration, int planned);
  void frame_done(int frame, int frames, int iterations, double seconds, bool resumed);
  void finish();

  // "1h02m", "3m05s", "12s"
  static std::string duration(double seconds);

 private:
  std::string rate_and_eta(int frame, int frames) const;
  std::FILE* stream_;
  bool terminal_;
  bool drawn_ = false;
  int painted_ = 0;           // frames painted in this run, the clip's first excepted
  double painted_seconds_ = 0;
  double first_seconds_ = 0;  // the clip's first frame, when painted in this run
  bool first_done_ = false;
};

}  // namespace impasto
