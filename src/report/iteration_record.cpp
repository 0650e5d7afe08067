#include "report/iteration_record.h"

namespace impasto {

IterationRecord iteration_record(int iteration, const LossValues& losses, double seconds, int scale) {
  IterationRecord r;
  r.iteration = iteration;
  r.losses = losses.terms;
  r.content_loss = losses["content"];
  r.style_loss = losses["style"];
  r.tv_loss = losses["tv"];
  r.total_loss = losses.total;
  r.seconds = seconds;
  r.scale = scale;
  return r;
}

}  // namespace impasto
