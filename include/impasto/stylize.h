#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/input_convention.h"
#include "impasto/options.h"

namespace impasto {

struct IterationRecord {
  int iteration = 0;
  double content_loss = 0, style_loss = 0, tv_loss = 0, total_loss = 0;
  double seconds = 0;  // since the optimisation started
  int scale = 0;       // longest side of the image at this iteration (see Options::scales)
  // Every loss term's weighted value, in the objective's order (content, style, tv, then any other
  // term the run uses); the named fields above repeat the first three (0 where a term is not used).
  std::vector<std::pair<std::string, double>> losses;
};

struct RunResult {
  std::string network;
  std::string weights_file;
  InputConvention input;     // how the image was fed to the network
  std::string input_source;  // where that came from: weights file, --input-convention or network default
  int content_width = 0, content_height = 0;  // 0 in texture mode
  int output_width = 0, output_height = 0;
  std::vector<IterationRecord> iterations;
  IterationRecord final;                        // losses of the written image
  int64_t peak_memory_bytes = 0;

  // The resolved weights (what multiplies each layer's normalised loss; the styles' blend shares)
  // and the written image's losses by layer, by style (blends of several styles) and by region
  // (masks and maps).
  struct WeightedLoss {
    std::string name;  // layer, style file or region
    double weight = 0, loss = 0;
  };
  std::string style_loss;
  std::vector<WeightedLoss> content_layers, style_layers, styles, style_regions;
  double seam_ratio = 0;  // tiled runs: gradient energy at the last pass's tile edges / elsewhere (tiling.h)
  std::vector<std::string> notes;  // what the run chose for the user and why (RunCallbacks::on_note)
};

struct RunCallbacks {
  // After every iteration, with the planned iteration count.
  std::function<void(const IterationRecord&, int planned)> on_iteration;
  // Every preview_every iterations (and once at the end): the current image as PNG bytes.
  int preview_every = 0;
  std::function<void(int iteration, const std::string& png)> on_preview;
  // A choice made for the user, in one line, before the first iteration (default layers cut to a
  // weights file that holds only part of the network).
  std::function<void(const std::string&)> on_note;
  // Polled after every iteration; returning true stops the run with RunCancelled, writing nothing.
  std::function<bool()> cancelled;
};

// Thrown by stylize() when RunCallbacks::cancelled asked it to stop.
struct RunCancelled : std::runtime_error {
  RunCancelled() : std::runtime_error("run cancelled") {}
};

// Runs one style transfer (or, with options.content empty, texture synthesis) and writes
// options.output. Throws InputError for anything wrong with the input.
RunResult stylize(const Options& options, const RunCallbacks& callbacks = {});

// The machine-readable record of a run: options, network, sizes, every iteration, final.
nlohmann::json run_report(const Options& options, const RunResult& result);

// Peak resident memory of this process so far.
int64_t peak_memory_bytes();

}  // namespace impasto
