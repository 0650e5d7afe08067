// The impasto command line: parses arguments into impasto::Options and drives the library.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/batch_command.h"
#include "cli/audio_command.h"
#include "cli/control_options.h"
#include "cli/serve_command.h"
#include "cli/video_command.h"
#include "report/progress.h"
#include "image/image_io.h"
#include "impasto/bench.h"
#include "impasto/errors.h"
#include "impasto/estimate.h"
#include "impasto/stylize.h"
#include "io/output_paths.h"
#include "models/model_manager.h"
#include "tuning/tuner.h"

namespace {

constexpr int kInputErrorExit = 2;

std::string tune_choice;  // --tune of stylize and texture; empty: IMPASTO_TUNE, else auto

void add_transfer_options(CLI::App& command, impasto::Options& o, bool& dry_run, bool texture) {
  // A repeated scalar option overrides the earlier one, as in most command-line tools.
  command.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (!texture) command.add_option("--content,-c", o.content, "content photo")->required();
  command.add_option("--style,-s", o.styles, "style image (repeat or comma-separate for several)")
      ->required()
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--style-blend", o.style_blend, "blend weights of the styles, e.g. 0.7,0.3")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--style-scale", o.style_scale, "style image size relative to the output size")
      ->capture_default_str();
  command.add_option("--output,-o", o.output, "output image (.png, .jpg, .tif, ...)")->capture_default_str();
  command.add_option("--size", o.size, "longer side of the output in pixels")->capture_default_str();
  command.add_option("--iterations,-n", o.iterations, "optimisation iterations (per scale)")->capture_default_str();
  command.add_option("--scales", o.scales, "coarse to fine: a number of scales halving up to --size, or sizes 256,512")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--tile", o.tile, "optimise outputs larger than this in overlapping tiles of this size")
      ->capture_default_str();
  command.add_option("--content-weight", o.content_weight, "weight of the content loss")->capture_default_str();
  command.add_option("--style-weight", o.style_weight, "weight of the style loss")->capture_default_str();
  command.add_option("--tv-weight", o.tv_weight, "weight of the total-variation smoothness loss")
      ->capture_default_str();
  command.add_option("--content-layers", o.content_layers, "content layers, name[:weight],... (default per network)");
  command.add_option("--style-layers", o.style_layers, "style layers, name[:weight],... (default per network)");
  command.add_option("--pooling", o.pooling, "max or avg")->capture_default_str();
  command.add_option("--init", o.init, "content, noise or an image path")->capture_default_str();
  command.add_option("--seed", o.seed, "random seed for noise initialisation")->capture_default_str();
  command.add_option("--optimizer", o.optimizer, "lbfgs or adam")->capture_default_str();
  command.add_option("--learning-rate", o.learning_rate, "step size (default: 1 for lbfgs, 0.02 for adam)");
  command.add_option("--lbfgs-history", o.lbfgs_history, "L-BFGS correction pairs kept")->capture_default_str();
  command.add_flag("--normalize-gradients", o.normalize_gradients, "scale each loss layer's gradient to unit L1 norm");
  command.add_option("--tolerance", o.tolerance, "stop when the relative loss change stays below this (0: never)")
      ->capture_default_str();
  command.add_option("--save-every", o.save_every, "write a numbered snapshot every N iterations (0: never)")
      ->capture_default_str();
  command.add_option("--print-every", o.print_every, "progress line every N iterations when not on a terminal")
      ->capture_default_str();
  command.add_option("--model", o.model, "network: squeezenet, vgg19, vgg16, googlenet or resnet50")->capture_default_str();
  command.add_option("--model-file", o.model_file, "weights file or directory (overrides the model search)");
  command.add_option("--model-dir", o.model_dir, "directory holding downloaded models");
  command.add_option("--input-convention", o.input_convention,
                     "how the weights expect the image: auto (the file's, else the network's), caffe, torchvision "
                     "or matconvnet")
      ->capture_default_str();
  command.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  command.add_option("--precision", o.precision,
                     "network arithmetic on cuda: fp32, tf32, fp16 or bf16 (Gram matrices and losses stay fp32)")
      ->capture_default_str();
  command.add_option("--threads", o.threads, "CPU threads (0: all cores)")->capture_default_str();
  command.add_option("--tune", tune_choice,
                     "CPU layout tuning: off, auto (default: measure once per machine, network and size, then use "
                     "the cached choice) or force (measure again)");
  command.add_option("--report", o.report, "write a JSON record of the run to this file");
  impasto::add_control_options(command, o, texture);
  command.add_flag("--dry-run", dry_run, "print the estimated peak memory and time, then stop without writing");
}

int run_transfer(const impasto::Options& options, bool dry_run) {
  if (!tune_choice.empty()) impasto::set_tune_mode(tune_choice);
  if (dry_run) {
    std::cout << impasto::describe(impasto::estimate_run(options)) << "dry run: nothing written\n";
    return 0;
  }
  impasto::Progress progress(stderr, isatty(STDERR_FILENO), options.print_every);
  impasto::RunCallbacks callbacks;
  callbacks.on_iteration = [&](const impasto::IterationRecord& r, int planned) { progress.update(r, planned); };
  callbacks.on_note = [](const std::string& note) { std::fprintf(stderr, "note: %s\n", note.c_str()); };
  impasto::RunResult result;
  try {
    result = impasto::stylize(options, callbacks);
  } catch (...) {
    progress.finish();  // end a half-drawn bar so the error starts its own line
    throw;
  }
  progress.finish();
  // (a tiled scale records one entry per pass of several iterations, so count by the last entry)
  std::fprintf(stderr, "wrote %s (%dx%d, %d iterations, %.1f s, peak memory %.0f MB)\n", options.output.c_str(),
               result.output_width, result.output_height, result.final.iteration,
               result.iterations.empty() ? 0.0 : result.iterations.back().seconds,
               result.peak_memory_bytes / 1048576.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Impasto: neural style transfer (Gatys et al.) on the CPU or GPU"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "impasto 0.1.0");

  impasto::Options stylize_options;
  CLI::App* stylize = app.add_subcommand("stylize", "repaint a photo in the style of one or more paintings");
  bool dry_run = false;
  add_transfer_options(*stylize, stylize_options, dry_run, false);

  impasto::Options texture_options;
  texture_options.init = "noise";
  texture_options.output = "texture.png";
  CLI::App* texture = app.add_subcommand("texture", "synthesise a texture from style images alone");
  add_transfer_options(*texture, texture_options, dry_run, true);

  impasto::BenchOptions bench_options;
  std::string bench_json_path;
  CLI::App* bench = app.add_subcommand("bench", "time one iteration of each network; compare with sgemm");
  bench->add_option("--networks", bench_options.networks, "networks to time (default: all)")->delimiter(',');
  bench->add_option("--sizes", bench_options.sizes, "image sizes")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(32, 16384).description("a size from 32 to 16384 pixels"));
  bench->add_option("--iterations", bench_options.iterations, "timed iterations per case")->capture_default_str()
      ->check(CLI::Range(1, 100000).description("at least 1"));
  bench->add_option("--threads", bench_options.threads, "CPU threads (0: all cores)")->check(CLI::NonNegativeNumber);
  bench->add_option("--tune", bench_options.tune, "CPU layout tuning: off, auto or force (shows what was chosen)")
      ->capture_default_str();
  bench->add_option("--model-dir", bench_options.model_dir, "directory holding downloaded models");
  bench->add_option("--device", bench_options.device, "cpu or cuda")->capture_default_str();
  bench->add_option("--precision", bench_options.precision, "fp32, tf32, fp16 or bf16 (cuda only)")
      ->capture_default_str();
  bench->add_option("--profile", bench_options.profile_top,
                    "also list each case's N most expensive operators by self time");
  bench->add_flag("--profile-shapes", bench_options.profile_shapes, "list those operators per input shape");
  bench->add_option("--json", bench_json_path, "also write the figures as JSON to this file ('-': stdout)");

  std::string models_dir, fetch_name;
  bool models_json = false;
  CLI::App* models = app.add_subcommand("models", "list the known networks: installed where, verified, default layers");
  models->add_option("--model-dir", models_dir, "directory holding downloaded models");
  models->add_flag("--json", models_json, "print JSON instead of text");
  CLI::App* fetch = app.add_subcommand("fetch", "download a network's weights from their public origin and verify them");
  fetch->add_option("name", fetch_name, "squeezenet, googlenet, resnet50, vgg19, vgg16 or vgg19-partial")->required();
  fetch->add_option("--model-dir", models_dir, "install here (default: $IMPASTO_MODEL_DIR, else the user data directory)");

  impasto::BatchCommand batch(app, [](CLI::App& command, impasto::Options& options, bool& batch_dry_run) {
    add_transfer_options(command, options, batch_dry_run, false);
  });

  impasto::server::ServeOptions serve_options;
  CLI::App* serve = impasto::add_serve_command(app, serve_options);

  impasto::AudioOptions audio_options;
  CLI::App* audio = impasto::add_audio_command(app, audio_options);

  impasto::VideoOptions video_options;
  impasto::VideoSlurmOptions video_slurm;
  bool video_dry_run = false;
  CLI::App* video = impasto::add_video_command(app, video_options, video_slurm, [&](CLI::App& command, impasto::Options& o) {
    add_transfer_options(command, o, video_dry_run, false);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "impasto: error: %s (see impasto --help)\n", e.what());
    return kInputErrorExit;
  }

  try {
    if (stylize->parsed()) return run_transfer(stylize_options, dry_run);
    if (texture->parsed()) return run_transfer(texture_options, dry_run);
    if (models->parsed()) {
      const auto list = impasto::list_models(models_dir);
      if (models_json) std::cout << list.dump(2) << "\n";
      else impasto::print_models(list, std::cout);
      return 0;
    }
    if (fetch->parsed()) {
      impasto::fetch_model(fetch_name, models_dir, std::cerr);
      return 0;
    }
    if (serve->parsed()) return impasto::server::serve(serve_options);
    if (video->parsed()) return impasto::run_video_command(*video, video_options, video_slurm, video_dry_run);
    if (batch.parsed()) return batch.run();
    if (audio->parsed()) return impasto::run_audio_command(audio_options);
    if (bench->parsed()) {
      if (!bench_json_path.empty() && bench_json_path != "-") impasto::check_writable_file(bench_json_path, "--json");
      const auto rows = impasto::run_bench(bench_options);
      std::cout << impasto::bench_table(rows);
      const std::string json = impasto::bench_json(rows).dump(2) + "\n";
      if (bench_json_path == "-") std::cout << json;
      else if (!bench_json_path.empty()) impasto::write_file_atomically(bench_json_path, json);
      return 0;
    }
  } catch (const impasto::InputError& e) {
    std::fprintf(stderr, "impasto: error: %s\n", e.what());
    return kInputErrorExit;
  } catch (const std::exception& e) {
    std::string message = e.what();
    if (!std::getenv("IMPASTO_DEBUG")) message = message.substr(0, message.find('\n'));
    std::fprintf(stderr, "impasto: internal error: %s\n", message.c_str());
    return 1;
  }
  return 0;
}
