#include "video/video_progress.h"

#include <cmath>
#include <string>

namespace impasto {

VideoProgress::VideoProgress(std::FILE* stream, bool terminal) : stream_(stream), terminal_(terminal) {}

std::string VideoProgress::duration(double seconds) {
  const long total = std::lround(std::max(0.0, seconds));
  char text[32];
  if (total >= 3600) std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, total / 60 % 60);
  else if (total >= 60) std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
  else std::snprintf(text, sizeof text, "%lds", total);
  return text;
}

void VideoProgress::start_pass(int pass, int passes, bool backward) {
  pass_ = pass, passes_ = passes, done_in_pass_ = 0;
  if (pass == 1) return;
  if (drawn_) std::fprintf(stream_, "\n");
  drawn_ = false;
  std::fprintf(stream_, "pass %d of %d, %s\n", pass, passes, backward ? "from the last frame back" : "from the first frame on");
  std::fflush(stream_);
}

std::string VideoProgress::pass_prefix() const {
  return passes_ > 1 ? "pass " + std::to_string(pass_) + "/" + std::to_string(passes_) + " · " : "";
}

std::string VideoProgress::rate_and_eta(int frames_left) const {
  const double per_frame = painted_ > 0 ? painted_seconds_ / painted_ : first_done_ ? first_seconds_ : 0;
  if (per_frame <= 0) return "";
  char text[96];
  std::snprintf(text, sizeof text, " · %.1f frames/min · ETA %s", 60.0 / per_frame,
                duration(per_frame * frames_left).c_str());
  return text;
}

void VideoProgress::iteration(int frame, int frames, int iteration, int planned) {
  if (!terminal_) return;
  std::fprintf(stream_, "\r\033[K%sframe %d/%d · iteration %d/%d%s", pass_prefix().c_str(), frame, frames, iteration,
               planned, rate_and_eta(remaining(frames)).c_str());
  std::fflush(stream_);
  drawn_ = true;
}

void VideoProgress::frame_done(int frame, int frames, int iterations, double seconds, bool resumed) {
  ++done_in_pass_;
  if (!resumed) {
    if (frame == 1 && pass_ == 1) {
      first_done_ = true;
      first_seconds_ = seconds;
    } else {
      ++painted_;
      painted_seconds_ += seconds;
    }
  }
  if (terminal_) {
    if (resumed) return;
    std::fprintf(stream_, "\r\033[K%sframe %d/%d · %d iterations · %.1f s%s", pass_prefix().c_str(), frame, frames,
                 iterations, seconds, rate_and_eta(remaining(frames)).c_str());
    std::fflush(stream_);
    drawn_ = true;
    return;
  }
  if (resumed) std::fprintf(stream_, "%sframe %d/%d: finished earlier, kept\n", pass_prefix().c_str(), frame, frames);
  else
    std::fprintf(stream_, "%sframe %d/%d: %d iterations, %.1f s%s\n", pass_prefix().c_str(), frame, frames, iterations,
                 seconds, rate_and_eta(remaining(frames)).c_str());
  std::fflush(stream_);
}

void VideoProgress::finish() {
  if (drawn_) std::fprintf(stream_, "\n");
  drawn_ = false;
}

}  // namespace impasto
