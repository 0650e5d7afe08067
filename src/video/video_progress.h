#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace impasto {

// Progress over a whole clip on stderr: on a terminal one redrawn line ([pass p/P,] frame i/N,
// iteration, frames per minute, ETA over all passes); otherwise a line per finished frame. The rate
// counts the frames painted in this run after the clip's first (which gets more iterations; resumed
// frames cost nothing).
class VideoProgress {
 public:
  VideoProgress(std::FILE* stream, bool terminal);
  // --passes: pass `pass` (from 1) of `passes` begins.
  void start_pass(int pass, int passes, bool backward);
  void iteration(int frame, int frames, int iteration, int planned);
  void frame_done(int frame, int frames, int iterations, double seconds, bool resumed);
  void finish();

  // "1h02m", "3m05s", "12s"
  static std::string duration(double seconds);

 private:
  std::string rate_and_eta(int frames_left) const;
  std::string pass_prefix() const;
  int remaining(int frames) const { return frames - done_in_pass_ + (passes_ - pass_) * frames; }
  std::FILE* stream_;
  bool terminal_;
  bool drawn_ = false;
  int painted_ = 0;           // frames painted in this run, the clip's first excepted
  double painted_seconds_ = 0;
  double first_seconds_ = 0;  // the clip's first frame, when painted in this run
  bool first_done_ = false;
  int pass_ = 1, passes_ = 1;
  int done_in_pass_ = 0;      // frames finished (or kept) in this pass
};

}  // namespace impasto
