#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/stylize.h"

namespace impasto {

// Audio texture synthesis and audio style transfer (Ulyanov & Lebedev 2016): the log-magnitude
// spectrogram is optimised so that the features of a random 1-D convolution match the style's Gram
// matrix (and, with a content sound, the content's features); Griffin-Lim then finds a phase.
struct AudioOptions {
  std::string content;              // empty: a texture of the style alone
  std::string style;
  std::string output = "audio.wav";

  int sample_rate = 22050;          // every sound is resampled to this
  int n_fft = 2048, hop = 512;
  int filters = 4096, kernel_width = 11;
  double content_weight = 1.0;      // 0: a texture even when a content sound is given
  double style_weight = 1.0;
  int iterations = 100;             // L-BFGS iterations per chunk
  int griffin_lim_iterations = 100;
  double duration = 0;              // texture length in seconds; 0: the style's length
  double max_duration = 600;        // longer inputs (and --duration) are refused
  double chunk_seconds = 30;        // longer sounds are optimised in chunks of this length,
  double overlap_seconds = 2;       // overlapping and crossfaded over this
  std::string init = "noise";       // noise | content
  uint64_t seed = 0;                // of the filters, the initial spectrogram and phase

  int threads = 0;                  // 0: all cores
  int print_every = 10;
  std::string report;               // JSON record of the run; empty: none
  std::string animate;              // directory for a spectrogram PNG per snapshot; empty: none
  int animate_every = 10;
};

void to_json(nlohmann::json& j, const AudioOptions& options);

// Checks values that need no file access; throws InputError naming the first bad option.
void validate(const AudioOptions& options);

struct AudioResult {
  int sample_rate = 0;
  double content_seconds = 0, style_seconds = 0, output_seconds = 0;
  int64_t frames = 0;                         // spectrogram frames of the output
  int chunks = 0;
  std::vector<IterationRecord> iterations;    // across chunks, numbered on
  IterationRecord final;                      // the last iteration's losses
  std::vector<double> spectral_convergence;   // of the phase reconstruction, per iteration
  double optimise_seconds = 0, phase_seconds = 0, total_seconds = 0;
  int64_t peak_memory_bytes = 0;
};

// Runs one audio style transfer (or texture) and writes options.output. callbacks.on_iteration sees
// every L-BFGS iteration; on_preview gets the spectrogram picture (PNG) every preview_every iterations
// and at the end; cancelled stops the run with RunCancelled. Throws InputError for bad input.
AudioResult synthesize_audio(const AudioOptions& options, const RunCallbacks& callbacks = {});

// The machine-readable record of a run: options, sizes, every iteration, the phase step, timings.
nlohmann::json audio_report(const AudioOptions& options, const AudioResult& result);

}  // namespace impasto
