#pragma once
#include <cstdio>
#include <deque>
#include <utility>

#include "impasto/stylize.h"

namespace impasto {

// Progress on stderr: a redrawn bar on a terminal, plain lines every `print_every` iterations
// otherwise (and always for the last iteration). Rate and ETA come from the recent iterations, so a
// slow start (or a faster or slower later scale) does not skew them for the rest of the run.
class Progress {
 public:
  Progress(std::FILE* stream, bool terminal, int print_every);
  void update(const IterationRecord& record, int planned);
  void finish();

 private:
  std::FILE* stream_;
  bool terminal_;
  int print_every_;
  bool drawn_ = false;
  std::deque<std::pair<int, double>> recent_;  // (iteration, seconds) of the last updates
};

}  // namespace impasto
