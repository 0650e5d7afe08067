#include "estimate/flops.h"

namespace impasto {

double iteration_gflop(const Network& network, const ObjectiveConfig& config, int64_t height, int64_t width) {
  double flop = 0;
  for (const auto& shape : network.shapes(height, width)) {
    if (shape.spec->op == NodeOp::Conv)
      flop += 4.0 * shape.height * shape.width * shape.channels * shape.in_channels * shape.spec->kernel *
              shape.spec->kernel;  // 2 (multiply-add) x 2 (forward, input gradient)
    for (const auto& layer : config.style_layers)
      if (layer.layer == shape.spec->name)
        // Gram forward (ssyrk: one triangle) + backward (one general product)
        flop += (3.0 * shape.channels + 1) * shape.channels * shape.height * shape.width;
  }
  return flop / 1e9;
}

}  // namespace impasto
