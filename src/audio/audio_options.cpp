#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "impasto/audio.h"
#include "impasto/errors.h"

namespace impasto {
namespace {

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", seconds);
  return text;
}

}  // namespace

void to_json(nlohmann::json& j, const AudioOptions& o) {
  j = nlohmann::json{{"content", o.content},
                     {"style", o.style},
                     {"output", o.output},
                     {"sample_rate", o.sample_rate},
                     {"n_fft", o.n_fft},
                     {"hop", o.hop},
                     {"filters", o.filters},
                     {"kernel_width", o.kernel_width},
                     {"content_weight", o.content_weight},
                     {"style_weight", o.style_weight},
                     {"iterations", o.iterations},
                     {"griffin_lim_iterations", o.griffin_lim_iterations},
                     {"duration", o.duration},
                     {"max_duration", o.max_duration},
                     {"chunk_seconds", o.chunk_seconds},
                     {"overlap_seconds", o.overlap_seconds},
                     {"init", o.init},
                     {"seed", o.seed},
                     {"threads", o.threads},
                     {"report", o.report},
                     {"animate", o.animate},
                     {"animate_every", o.animate_every}};
}

void validate(const AudioOptions& o) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
  };
  require(!o.style.empty(), "a --style sound is required");
  require(!o.output.empty(), "--output must name a file");
  require(o.sample_rate >= 1000 && o.sample_rate <= 192000,
          "--sample-rate must be between 1000 and 192000 Hz, got " + std::to_string(o.sample_rate));
  require(o.n_fft >= 16 && o.n_fft <= 65536 && o.n_fft % 2 == 0,
          "--n-fft must be an even number from 16 to 65536, got " + std::to_string(o.n_fft));
  require(o.hop > 0 && o.hop <= o.n_fft / 2,
          "--hop must be between 1 and half of --n-fft (" + std::to_string(o.n_fft / 2) + "), got " +
              std::to_string(o.hop));
  require(o.filters > 0 && o.filters <= 65536, "--filters must be between 1 and 65536");
  require(o.kernel_width > 0 && o.kernel_width <= 1024, "--kernel-width must be between 1 and 1024");
  require(o.content_weight >= 0 && o.style_weight >= 0, "loss weights must not be negative");
  require(o.content_weight > 0 || o.style_weight > 0, "--content-weight and --style-weight are both 0");
  require(o.iterations >= 0, "--iterations must not be negative");
  require(o.griffin_lim_iterations > 0, "--griffin-lim-iterations must be positive");
  require(o.duration >= 0, "--duration must not be negative");
  require(o.duration == 0 || o.content.empty(),
          "--duration is for textures; with --content the output is as long as the content");
  require(o.max_duration > 0, "--max-duration must be positive");
  require(o.duration <= o.max_duration, "--duration " + seconds_text(o.duration) +
                                            " is longer than the limit (--max-duration " +
                                            seconds_text(o.max_duration) + ")");
  require(o.overlap_seconds >= 0 && o.chunk_seconds > 2 * o.overlap_seconds,
          "--chunk-seconds must be more than twice --overlap-seconds");
  require(o.init == "noise" || o.init == "content", "--init must be noise or content, got '" + o.init + "'");
  require(o.init != "content" || !o.content.empty(), "--init content needs a --content sound");
  require(o.threads >= 0, "--threads must not be negative");
  require(o.print_every >= 0, "--print-every must not be negative");
  require(o.animate_every > 0, "--animate-every must be positive");
}

}  // namespace impasto
