#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "impasto/options.h"

namespace impasto {

// What a run would need, worked out before starting it (impasto stylize --dry-run).
struct RunEstimate {
  struct Scale {
    int size = 0;                        // longest side
    int64_t width = 0, height = 0;
    int tiles = 0;                       // tiles per pass; 0: the whole image at once
    int64_t peak_memory_bytes = 0;
    double seconds_per_iteration = 0;    // of the whole image (all tiles)
    double seconds = 0;
  };
  std::vector<Scale> scales;
  int64_t peak_memory_bytes = 0;         // the largest scale's, or loading the weights where larger
  double seconds = 0;
  int64_t weights_bytes = 0;             // parameters of the built layers
  double calibration_gflops = 0;         // speed of one iteration timed at a small size
  int calibration_size = 0;
};

// Memory: per layer, the bytes autograd keeps (Network::shapes) and the largest backward step, the
// L-BFGS history (2 x history image-sized vectors), the weights and a measured fixed part. Time: the
// FLOPs of every iteration at the speed of one iteration timed at a small size with random weights.
// Reads the input images (InputError as stylize() would) but writes nothing.
RunEstimate estimate_run(const Options& options);

// Human-readable lines for the CLI.
std::string describe(const RunEstimate& estimate);

}  // namespace impasto
