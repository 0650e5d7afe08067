#include "cli/serve_command.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace impasto {
namespace {

// A finite number in (0, most]: CLI::PositiveNumber lets "nan" and "inf" through, and a huge
// value would overflow the integer it is converted to.
CLI::Validator positive_at_most(double most) {
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", most);
  return CLI::Validator(
      [most, limit = std::string(limit)](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value) || value <= 0 || value > most)
          return "must be a number above 0 and at most " + limit + ", got '" + text + "'";
        return "";
      },
      "(0, " + std::string(limit) + "]");
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app, server::ServeOptions& o) {
  CLI::App* serve = app.add_subcommand("serve", "run the web studio: a page to paint from in the browser");
  serve->add_option("--port", o.port, "TCP port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  serve->add_option("--host", o.host, "address to listen on; not a loopback one needs --allow-remote")
      ->capture_default_str();
  serve->add_flag("--allow-remote", o.allow_remote, "allow --host to be reachable from other machines");
  serve->add_option("--output-dir", o.output_dir, "where finished images are written")->capture_default_str();
  serve->add_option_function<double>(
           "--max-upload-mb", [&o](double mb) { o.max_upload_bytes = static_cast<size_t>(mb * (1 << 20)); },
           "largest accepted upload in MB (default 30)")
      ->check(positive_at_most(4096));
  serve->add_option_function<double>(
           "--max-megapixels", [&o](double mp) { o.max_pixels = static_cast<int64_t>(mp * 1e6); },
           "largest accepted image in megapixels (default 50)")
      ->check(positive_at_most(100000));
  serve->add_option("--max-size", o.max_size, "largest output size a job may ask for")
      ->capture_default_str()->check(CLI::PositiveNumber);
  serve->add_option("--max-iterations", o.max_iterations, "most iterations a job may ask for")
      ->capture_default_str()->check(CLI::PositiveNumber);
  serve->add_option("--max-clip-frames", o.max_clip_frames, "most frames of an uploaded video clip")
      ->capture_default_str()->check(positive_at_most(1'000'000));
  serve->add_option_function<double>(
           "--max-frame-megapixels", [&o](double mp) { o.max_frame_pixels = static_cast<int64_t>(mp * 1e6); },
           "largest frame of an uploaded clip in megapixels (default 8.3)")
      ->check(positive_at_most(100000));
  serve->add_option("--max-sound-seconds", o.max_sound_seconds, "longest uploaded (and made) sound in seconds")
      ->capture_default_str()->check(positive_at_most(3600));
  serve->add_option("--model-dir", o.model_dir, "directory holding downloaded models");
  serve->add_option("--threads", o.threads, "CPU threads per job (0: all cores)")->capture_default_str();
  return serve;
}

}  // namespace impasto
