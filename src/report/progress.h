#pragma once
#include <cstdio>

#include "impasto/stylize.h"

namespace impasto {

// Progress on stderr: a redrawn bar on a terminal, plain lines every `print_every` iterations
// otherwise (and always for the last iteration).
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
};

}  // namespace impasto
