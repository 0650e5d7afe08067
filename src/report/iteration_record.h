#pragma once
#include "impasto/stylize.h"
#include "transfer/loss_term.h"

namespace impasto {

// The record of one iteration: every term's value by name, and the named fields of the first three.
IterationRecord iteration_record(int iteration, const LossValues& losses, double seconds, int scale);

}  // namespace impasto
