#include "cli/audio_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "report/progress.h"

namespace impasto {

CLI::App* add_audio_command(CLI::App& app, AudioOptions& o) {
  CLI::App* audio = app.add_subcommand(
      "audio", "audio style transfer or, without --content, an audio texture (Ulyanov & Lebedev 2016)");
  audio->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  audio->add_option("--content,-c", o.content, "content sound (WAV, FLAC, Ogg, MP3); leave out for a texture");
  audio->add_option("--style,-s", o.style, "style sound (WAV, FLAC, Ogg, MP3)")->required();
  audio->add_option("--output,-o", o.output, "output sound (.wav)")->capture_default_str();
  audio->add_option("--sample-rate", o.sample_rate, "every sound is resampled to this rate (Hz)")->capture_default_str();
  audio->add_option("--n-fft", o.n_fft, "STFT window length in samples")->capture_default_str();
  audio->add_option("--hop", o.hop, "STFT hop in samples")->capture_default_str();
  audio->add_option("--filters", o.filters, "random 1-D convolution filters")->capture_default_str();
  audio->add_option("--kernel-width", o.kernel_width, "filter width in spectrogram frames")->capture_default_str();
  audio->add_option("--content-weight", o.content_weight, "weight of the content loss (0: texture)")
      ->capture_default_str();
  audio->add_option("--style-weight", o.style_weight, "weight of the style loss")->capture_default_str();
  audio->add_option("--iterations,-n", o.iterations, "L-BFGS iterations (per chunk)")->capture_default_str();
  audio->add_option("--griffin-lim-iterations", o.griffin_lim_iterations,
                    "phase reconstruction iterations (fast Griffin-Lim)")
      ->capture_default_str();
  audio->add_option("--duration", o.duration, "texture length in seconds (default: the style's)");
  audio->add_option("--max-duration", o.max_duration, "refuse inputs or outputs longer than this (seconds)")
      ->capture_default_str();
  audio->add_option("--chunk-seconds", o.chunk_seconds, "optimise longer sounds in chunks of this length")
      ->capture_default_str();
  audio->add_option("--overlap-seconds", o.overlap_seconds, "chunks overlap and crossfade over this")
      ->capture_default_str();
  audio->add_option("--init", o.init, "noise or content")->capture_default_str();
  audio->add_option("--seed", o.seed, "seed of the filters, the initial spectrogram and phase")->capture_default_str();
  audio->add_option("--threads", o.threads, "CPU threads (0: all cores)")->capture_default_str();
  audio->add_option("--print-every", o.print_every, "progress line every N iterations when not on a terminal")
      ->capture_default_str();
  audio->add_option("--report", o.report, "write a JSON record of the run to this file");
  audio->add_option("--animate", o.animate,
                    "write spectrogram pictures (PNG) of the inputs, every snapshot and the output to this directory");
  audio->add_option("--animate-every", o.animate_every, "a spectrogram picture every N iterations")
      ->capture_default_str();
  return audio;
}

int run_audio_command(const AudioOptions& options) {
  Progress progress(stderr, isatty(STDERR_FILENO), options.print_every);
  RunCallbacks callbacks;
  callbacks.on_iteration = [&](const IterationRecord& r, int planned) { progress.update(r, planned); };
  AudioResult result;
  try {
    result = synthesize_audio(options, callbacks);
  } catch (...) {
    progress.finish();  // end a half-drawn bar so the error starts its own line
    throw;
  }
  progress.finish();
  const auto& convergence = result.spectral_convergence;  // the written sound is the best estimate
  const double sc = convergence.empty() ? 0 : *std::min_element(convergence.begin(), convergence.end());
  std::fprintf(stderr,
               "wrote %s (%.2f s at %d Hz, %d iterations in %d chunk%s, phase spectral convergence %.3f, %.1f s, "
               "peak memory %.0f MB)\n",
               options.output.c_str(), result.output_seconds, result.sample_rate, result.final.iteration,
               result.chunks, result.chunks == 1 ? "" : "s", sc, result.total_seconds,
               result.peak_memory_bytes / 1048576.0);
  return 0;
}

}  // namespace impasto
