#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "audio/audio_io.h"
#include "audio/audio_objective.h"
#include "audio/chunks.h"
#include "audio/griffin_lim.h"
#include "audio/random_filters.h"
#include "audio/resample.h"
#include "audio/spectrogram.h"
#include "audio/spectrogram_picture.h"
#include "image/image_io.h"
#include "impasto/audio.h"
#include "impasto/errors.h"
#include "optim/optimize.h"
#include "report/iteration_record.h"
#include "runtime/cpu_runtime.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

// Loudest sample of the written file: a spectrogram optimised freely may ask for more than full scale.
constexpr double kPeak = 0.99;

struct Sound {
  torch::Tensor samples;    // [L] at the run's sample rate
  torch::Tensor spectrogram;  // log-magnitude [bins, T]
  double seconds = 0;
};

Sound load_sound(const std::string& path, const std::string& role, const AudioOptions& options, const Stft& stft) {
  const AudioClip clip = load_audio(path, role, options.max_duration);
  Sound sound;
  sound.samples = resample(clip.samples, clip.sample_rate, options.sample_rate);
  sound.seconds = clip.seconds();
  const int64_t needed = std::max<int64_t>(stft.n_fft(), stft.samples(options.kernel_width));
  if (sound.samples.size(0) <= needed) {
    char text[160];
    std::snprintf(text, sizeof text, " is too short: %.3f s, the analysis needs more than %.3f s", sound.seconds,
                  static_cast<double>(needed) / options.sample_rate);
    throw InputError(role + " '" + path + "'" + text);
  }
  sound.spectrogram = log_magnitude(stft.forward(sound.samples));
  return sound;
}

std::string frame_path(const std::string& directory, const std::string& name) {
  return (fs::path(directory) / (name + ".png")).string();
}

void check_animation_directory(const std::string& directory) {
  if (directory.empty()) return;
  std::error_code error;
  const fs::path parent = fs::absolute(directory, error).parent_path();
  if (fs::exists(directory, error) && !fs::is_directory(directory, error))
    throw InputError("--animate '" + directory + "' is a file, not a directory");
  if (!fs::is_directory(parent, error))
    throw InputError("--animate '" + directory + "': directory '" + parent.string() + "' does not exist");
}

nlohmann::json record_json(const IterationRecord& r) {
  nlohmann::json terms = nlohmann::json::object();
  for (const auto& [name, value] : r.losses) terms[name] = value;
  return {{"iteration", r.iteration}, {"content_loss", r.content_loss}, {"style_loss", r.style_loss},
          {"total_loss", r.total_loss}, {"seconds", r.seconds}, {"losses", terms}};
}

}  // namespace

AudioResult synthesize_audio(const AudioOptions& options, const RunCallbacks& callbacks) {
  const auto started = std::chrono::steady_clock::now();
  auto since_start = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  validate(options);
  check_writable_wav_path(options.output);
  check_animation_directory(options.animate);
  prepare_cpu_runtime(options.threads);
  torch::NoGradGuard no_grad;  // gradients only where the objective asks for them

  const Stft stft(options.n_fft, options.hop);
  AudioResult result;
  result.sample_rate = options.sample_rate;
  const Sound style = load_sound(options.style, "style sound", options, stft);
  result.style_seconds = style.seconds;
  Sound content;
  if (!options.content.empty()) {
    content = load_sound(options.content, "content sound", options, stft);
    result.content_seconds = content.seconds;
  }

  // Output length: the content's; for textures --duration, else the style's.
  int64_t samples = style.samples.size(0);
  if (content.samples.defined()) samples = content.samples.size(0);
  else if (options.duration > 0) samples = std::llround(options.duration * options.sample_rate);
  const int64_t frames = stft.frames(samples);
  if (frames < options.kernel_width)
    throw InputError("--duration is shorter than the filters (" + std::to_string(options.kernel_width) + " frames)");
  result.frames = frames;
  const int64_t chunk_frames = std::max<int64_t>(std::llround(options.chunk_seconds * options.sample_rate / options.hop), 1);
  const int64_t overlap_frames = std::llround(options.overlap_seconds * options.sample_rate / options.hop);
  const std::vector<FrameChunk> chunks = plan_chunks(frames, chunk_frames, overlap_frames);
  for (const auto& chunk : chunks)
    if (chunk.length < options.kernel_width)
      throw InputError("--chunk-seconds leaves chunks shorter than the filters (" +
                       std::to_string(options.kernel_width) + " frames)");
  result.chunks = static_cast<int>(chunks.size());

  const RandomFilterBank filters(stft.bins(), options.filters, options.kernel_width, options.seed);
  AudioObjective objective(filters, style_gram(filters, style.spectrogram, chunk_frames), options.style_weight,
                           options.content_weight);

  // Noise at the style's level (the mean and spread of its log-magnitudes): from near silence, where
  // the ReLU leaves almost no features, L-BFGS hardly moves.
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed + 1);
  torch::Tensor whole =
      options.init == "content"
          ? content.spectrogram.clone()
          : (torch::randn({stft.bins(), frames}, generator, torch::kFloat) * style.spectrogram.std().item<double>() +
             style.spectrogram.mean().item<double>())
                .clamp_min_(0);

  // Pictures share one brightness scale: the loudest of the inputs.
  double ceiling = style.spectrogram.max().item<double>();
  if (content.spectrogram.defined()) ceiling = std::max(ceiling, content.spectrogram.max().item<double>());
  if (!options.animate.empty()) {
    fs::create_directories(options.animate);
    save_image(spectrogram_picture(style.spectrogram, ceiling), frame_path(options.animate, "style"));
    if (content.spectrogram.defined())
      save_image(spectrogram_picture(content.spectrogram, ceiling), frame_path(options.animate, "content"));
  }

  OptimizerConfig optimizer;
  optimizer.iterations = options.iterations;
  // The fixed L-BFGS step overshoots on this loss (Gram matrices of ReLU features: the loss jumped
  // 100-3000x now and then) and a chunk could end on such a step, far louder or quieter than its
  // neighbours; the line search keeps every chunk's loss falling.
  optimizer.line_search = true;
  const int planned = options.iterations * static_cast<int>(chunks.size());
  for (size_t k = 0; k < chunks.size(); ++k) {
    const FrameChunk& chunk = chunks[k];
    const int64_t fade = k == 0 ? 0 : overlap_frames;
    // The chunk starts from what is there: its overlap holds the previous chunk's end, so the two
    // agree where they are crossfaded.
    torch::Tensor part = whole.narrow(1, chunk.start, chunk.length).clone();
    objective.set_content(content.spectrogram.defined() ? content.spectrogram.narrow(1, chunk.start, chunk.length)
                                                        : torch::Tensor());
    const int done = options.iterations * static_cast<int>(k);
    auto snapshot = [&](const torch::Tensor& current) {
      torch::Tensor picture_of = whole.clone();
      crossfade_into(picture_of, current.detach(), chunk, fade);
      return spectrogram_picture(picture_of, ceiling);
    };
    optimize(
        part, optimizer,
        [&](const torch::Tensor& x) {
          torch::AutoGradMode grad(true);
          return objective.evaluate(x);
        },
        [&](int step, const LossValues& losses, const torch::Tensor& current) {
          const int iteration = done + step;
          result.iterations.push_back(
              iteration_record(iteration, losses, since_start(), 0));
          if (callbacks.on_iteration) callbacks.on_iteration(result.iterations.back(), planned);
          const bool animate = !options.animate.empty() && iteration % options.animate_every == 0;
          const bool preview = callbacks.on_preview && callbacks.preview_every > 0 &&
                               iteration % callbacks.preview_every == 0;
          if (animate || preview) {
            const torch::Tensor picture = snapshot(current);
            char name[32];
            std::snprintf(name, sizeof name, "spectrogram_%04d", iteration);
            if (animate) save_image(picture, frame_path(options.animate, name));
            if (preview) callbacks.on_preview(iteration, encode_png(picture));
          }
          if (callbacks.cancelled && callbacks.cancelled()) throw RunCancelled();
          return true;
        });
    crossfade_into(whole, part.detach(), chunk, fade);
  }
  if (!result.iterations.empty()) result.final = result.iterations.back();
  result.optimise_seconds = since_start();

  GriffinLimConfig phase;
  phase.iterations = options.griffin_lim_iterations;
  phase.seed = options.seed;
  if (content.samples.defined()) phase.initial_spectrum = stft.forward(content.samples);
  torch::Tensor output = griffin_lim(magnitude_from_log(whole), stft.samples(frames), stft, phase,
                                     [&](int, double sc) { result.spectral_convergence.push_back(sc); });
  if (content.samples.defined()) output = output.narrow(0, 0, std::min<int64_t>(output.size(0), samples));
  const double peak = output.abs().max().item<double>();
  if (peak > kPeak) output = output * (kPeak / peak);
  result.phase_seconds = since_start() - result.optimise_seconds;
  result.output_seconds = static_cast<double>(output.size(0)) / options.sample_rate;

  save_wav(output, options.sample_rate, options.output);
  const torch::Tensor written = spectrogram_picture(log_magnitude(stft.forward(output)), ceiling);
  if (!options.animate.empty()) save_image(written, frame_path(options.animate, "output"));
  if (callbacks.on_preview) callbacks.on_preview(result.final.iteration, encode_png(written));
  result.total_seconds = since_start();
  result.peak_memory_bytes = peak_memory_bytes();
  if (!options.report.empty()) write_file_atomically(options.report, audio_report(options, result).dump(2) + "\n");
  return result;
}

nlohmann::json audio_report(const AudioOptions& options, const AudioResult& result) {
  nlohmann::json report;
  report["options"] = options;
  report["sample_rate"] = result.sample_rate;
  report["seconds"] = {{"content", result.content_seconds},
                       {"style", result.style_seconds},
                       {"output", result.output_seconds}};
  report["frames"] = result.frames;
  report["chunks"] = result.chunks;
  report["iterations"] = nlohmann::json::array();
  for (const auto& r : result.iterations) report["iterations"].push_back(record_json(r));
  report["final"] = record_json(result.final);
  report["final"]["peak_memory_bytes"] = result.peak_memory_bytes;
  const auto& sc = result.spectral_convergence;
  report["griffin_lim"] = {{"iterations", sc.size()},
                           {"spectral_convergence", sc},
                           {"output_spectral_convergence", sc.empty() ? 0.0 : *std::min_element(sc.begin(), sc.end())}};
  report["timing"] = {{"optimise_seconds", result.optimise_seconds},
                      {"phase_seconds", result.phase_seconds},
                      {"total_seconds", result.total_seconds}};
  return report;
}

}  // namespace impasto
