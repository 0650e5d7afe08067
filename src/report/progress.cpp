#include "report/progress.h"

#include <algorithm>
#include <string>

namespace impasto {
namespace {

std::string duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

}  // namespace

Progress::Progress(std::FILE* stream, bool terminal, int print_every)
    : stream_(stream), terminal_(terminal), print_every_(print_every) {}

void Progress::update(const IterationRecord& r, int planned) {
  constexpr size_t kWindow = 20;
  if (recent_.empty()) recent_.emplace_back(0, 0.0);  // the start of the run
  recent_.emplace_back(r.iteration, r.seconds);
  if (recent_.size() > kWindow + 1) recent_.pop_front();
  const double span = r.seconds - recent_.front().second;
  const double rate = span > 0 ? (r.iteration - recent_.front().first) / span : 0;
  const double eta = rate > 0 ? (planned - r.iteration) / rate : 0;
  char number[32];
  std::snprintf(number, sizeof number, "loss %.4g", r.total_loss);
  std::string losses = number;
  for (size_t i = 0; i < r.losses.size(); ++i) {
    std::snprintf(number, sizeof number, " %.3g", r.losses[i].second);
    losses += (i == 0 ? " (" : ", ") + r.losses[i].first + number + (i + 1 == r.losses.size() ? ")" : "");
  }
  if (terminal_) {
    constexpr int width = 24;
    const int filled = planned > 0 ? std::min(width, r.iteration * width / planned) : width;
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::fprintf(stream_, "\r[%s] %d/%d  %s  %.2f it/s  ETA %s\033[K", bar.c_str(), r.iteration, planned, losses.c_str(), rate,
                 duration(eta).c_str());
    drawn_ = true;
  } else if ((print_every_ > 0 && r.iteration % print_every_ == 0) || r.iteration == planned) {
    std::fprintf(stream_, "iteration %d/%d  %s  %.2f it/s  ETA %s\n", r.iteration, planned, losses.c_str(), rate,
                 duration(eta).c_str());
  }
  std::fflush(stream_);
}

void Progress::finish() {
  if (drawn_) std::fputc('\n', stream_);
  drawn_ = false;
}

}  // namespace impasto
