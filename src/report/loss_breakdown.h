#pragma once
#include <torch/types.h>

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "impasto/stylize.h"
#include "transfer/objective.h"

namespace impasto {

// Records in `result` the resolved weights and the losses of `image` by layer, by region and, for a
// blend of several unguided styles, against each style alone (one extra forward pass per style).
// `objective` must have just evaluated `image`.
void record_loss_breakdown(RunResult& result, const Options& options, const ObjectiveConfig& config,
                           const Objective& objective, const Network& network,
                           const std::vector<torch::Tensor>& styles, const torch::Tensor& image);

// Adds the report's "weights" and the breakdown in "final" (see README, --report).
void add_loss_breakdown(nlohmann::json& report, const RunResult& result);

}  // namespace impasto
