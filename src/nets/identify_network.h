#pragma once
#include <string>

namespace impasto {

class WeightSource;

// The known network whose convolutions a weight file holds: every one of its convolution layers
// present (under any of its names) with the shape the table expects for the first. Empty when no
// network fits. Used to explain a mismatch ("this is a googlenet file, use --model googlenet").
std::string identify_network(const WeightSource& weights);

}  // namespace impasto
