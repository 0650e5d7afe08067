// impasto video: paints a clip frame by frame against one network, each frame started from the
// previous result warped along the optical flow and held to the earlier frames by the temporal loss.
#include "impasto/video.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "impasto/errors.h"
#include "io/atomic_file.h"
#include "run/image_run.h"
#include "run/run_plan.h"
#include "runtime/cpu_runtime.h"
#include "runtime/stopwatch.h"
#include "video/flow_field.h"
#include "video/frame_painter.h"
#include "video/frame_record_json.h"
#include "video/frame_source.h"
#include "video/frame_store.h"
#include "video/frame_tensor.h"
#include "video/multi_pass.h"
#include "video/reliability.h"
#include "video/scene_cut.h"
#include "video/temporal_targets.h"
#include "video/video_fingerprint.h"
#include "video/video_output.h"
#include "video/warping_error.h"

namespace impasto {
namespace fs = std::filesystem;

void check_video_options(const VideoOptions& o) {
  if (o.frame.content.empty()) throw InputError("--content: name the video clip to paint");
  if (o.write_video) check_video_output(o.frame.output);
  if (o.frame_iterations < 1) throw InputError("--frame-iterations must be at least 1");
  if (o.passes < 1) throw InputError("--passes must be at least 1");
  if (o.passes > 1 && o.temporal_weight == 0)
    throw InputError("--passes blends neighbouring frames along the flow: it needs --temporal-weight above 0");
  if (o.temporal_weight < 0) throw InputError("--temporal-weight must not be negative");
  for (int j : o.temporal_frames)
    if (j < 1) throw InputError("--temporal-frames must be positive frame distances, e.g. 1,2,4");
  if (o.max_frames < 0) throw InputError("--max-frames must not be negative");
  if (o.first_frame < 0) throw InputError("the first frame must not be negative");
  if (!o.write_video && o.frames_dir.empty()) throw InputError("painting frames without a video needs a frames folder");
  parse_flow_method(o.flow);
  if (!o.frame.animate.empty()) throw InputError("--animate does not apply to video: use --frames-dir to keep the frames");
  if (o.frame.save_every > 0) throw InputError("--save-every does not apply to video: use --frames-dir to keep the frames");
  if (o.frame.bit_depth != 8) throw InputError("--bit-depth: video frames are 8-bit");
}

namespace {

std::string work_folder(const VideoOptions& o) {
  if (!o.frames_dir.empty()) return o.frames_dir;
  const fs::path output(o.frame.output);
  return (output.parent_path() / ("." + output.filename().string() + ".frames")).string();
}

// The flow pairs in the order frames need them: (i, i − j) for each distance j, and (i, i − 1)
// always (the warped start and the warping error).
std::vector<std::pair<int, int>> flow_plan(int frames, int from, std::vector<int> distances) {
  distances.push_back(1);
  std::sort(distances.begin(), distances.end());
  distances.erase(std::unique(distances.begin(), distances.end()), distances.end());
  std::vector<std::pair<int, int>> pairs;
  for (int i = std::max(1, from); i < frames; ++i)
    for (int j : distances)
      if (j <= i) pairs.emplace_back(i, i - j);
  return pairs;
}

}  // namespace

VideoResult run_video(const VideoOptions& options, const VideoCallbacks& callbacks) {
  check_video_options(options);
  auto source = FrameSource::open(options.frame.content);
  cv::Mat first = source->next();
  for (int skipped = 0; skipped < options.first_frame && !first.empty(); ++skipped) first = source->next();
  if (first.empty())
    throw InputError("'" + options.frame.content + "' has no frame " + std::to_string(options.first_frame + 1));
  prepare_cpu_runtime(options.frame.threads);
  RunPlan plan = plan_run(options.frame, ImageSize{first.rows, first.cols});
  plan.options.report.clear();  // the video's report is written below, not one per frame
  const RunPlan::Scale& painted = plan.output_scale();
  const std::vector<cv::Mat> frames = read_frames(*source, options.max_frames, first,
                                                  cv::Size(static_cast<int>(painted.width), static_cast<int>(painted.height)));
  const int count = static_cast<int>(frames.size());
  const bool temporal = options.temporal_weight > 0;

  VideoResult result;
  result.frames = count;
  result.width = static_cast<int>(painted.width);
  result.height = static_cast<int>(painted.height);
  result.frames_per_second = source->frames_per_second();
  auto note = [&](const std::string& text) {
    result.notes.push_back(text);
    if (callbacks.on_note) callbacks.on_note(text);
  };

  FrameStore store(work_folder(options), video_fingerprint(options));
  const bool fresh_store = store.finished() == 0;
  std::vector<std::unique_ptr<FrameStore>> pass_stores;  // --passes: the later passes' frames
  try {
    const int resumed = store.finished();
    if (resumed > 0 && resumed < count)
      note("continuing after frame " + std::to_string(resumed) + " of " + std::to_string(count) + " (" + store.folder() + ")");
    std::vector<std::pair<int, int>> flow_pairs =
        flow_plan(count, resumed, temporal ? options.temporal_frames : std::vector<int>{});
    if (options.passes > 1)  // the later passes blend every frame with its neighbours
      for (int i = 1; i < std::min(resumed, count); ++i) flow_pairs.emplace_back(i, i - 1);
    FlowField flows(frames, parse_flow_method(options.flow), options.flow_cache, flow_pairs);
    std::unique_ptr<Network> network = build_network(plan);
    RunPlan later = plan;  // every frame after the first: fewer iterations, from the warped previous result
    later.options.iterations = later.optimizer.iterations = options.frame_iterations;
    later.scales = {plan.output_scale()};  // a warped result is already a fine start: no coarse scales
    later.notes.clear();

    const int reach = temporal && !options.temporal_frames.empty()
                          ? *std::max_element(options.temporal_frames.begin(), options.temporal_frames.end())
                          : 1;
    std::map<int, torch::Tensor> outputs;  // the last `reach` outputs, as written (8-bit)
    auto output = [&](int i) -> torch::Tensor& {
      if (!outputs.count(i)) outputs[i] = tensor_from_frame(store.read_image(i)).to(plan.network.device);
      return outputs[i];
    };
    auto earlier = [&](int i, int j) {
      return EarlierFrame{j, output(i - j), flows.flow(i, i - j), flows.flow(i - j, i)};
    };

    auto warp_error_at = [&](int i, const cv::Mat& before, const cv::Mat& after) {  // frames i − 1 and i
      const cv::Mat forward = flows.flow(i - 1, i);
      return warping_error(before, after, forward, reliability(forward, flows.flow(i, i - 1)));
    };

    if (options.passes > 1 && callbacks.on_pass) callbacks.on_pass(1, options.passes, false);
    int shot_start = 0;  // the first frame of the current shot: nothing before it carries over
    for (int i = 0; i < count; ++i) {
      if (i < resumed) {
        result.records.push_back(record_from_json(store.read_record(i)));
        if (result.records.back().scene_cut) shot_start = i;
        if (callbacks.on_frame) callbacks.on_frame(result.records.back(), count);
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      const torch::Tensor content = tensor_from_frame(frames[i]).to(plan.network.device);
      ImageJob job;
      job.content = content;
      job.output = store.staging_path(i);
      double flow_residual = 0;
      bool scene_cut = false;
      if (i > 0) {
        flow_residual = impasto::flow_residual(frames[i - 1], frames[i], flows.flow(i, i - 1));
        scene_cut = is_scene_cut(flow_residual);
        if (scene_cut) shot_start = i;
      }
      const bool continued = i > shot_start && temporal;
      if (continued) {
        job.init = warped_start(earlier(i, 1), content);
        std::vector<EarlierFrame> looked_back;
        for (int j : options.temporal_frames)
          if (i - j >= shot_start) looked_back.push_back(earlier(i, j));
        job.configure = add_temporal_term({options.temporal_weight, temporal_targets(looked_back)});
      }
      FrameRecord record = paint_frame(continued ? later : plan, *network, job, i, count, callbacks, outputs[i]);
      outputs.erase(i - reach);
      record.flow_residual = flow_residual;
      record.scene_cut = scene_cut;
      if (i > 0) record.warp_error = warp_error_at(i, frame_from_tensor(output(i - 1)), frame_from_tensor(outputs[i]));
      record.seconds = seconds_since(start);
      store.write_record(i, record_json(record));
      store.commit_image(i);
      result.records.push_back(record);
      if (callbacks.on_frame) callbacks.on_frame(record, count);
    }

    outputs.clear();
    if (options.passes > 1) {
      pass_stores = run_later_passes({options, frames, flows, later, *network, store.folder(), video_fingerprint(options)},
                                     store, result.records, callbacks);
      for (int i = 1; i < count; ++i)
        result.records[i].warp_error =
            warp_error_at(i, pass_stores.back()->read_image(i - 1), pass_stores.back()->read_image(i));
    }
    const FrameStore& painted_frames = pass_stores.empty() ? store : *pass_stores.back();

    double total = 0;
    for (const auto& r : result.records) total += r.warp_error;
    result.warp_error = count > 1 ? total / (count - 1) : 0;
    result.input_warp_error = clip_warping_error(frames, flows);
    result.flow_seconds = flows.seconds_computing();
    result.flow_wait_seconds = flows.seconds_waiting();
    if (options.write_video)
      result.audio = write_video(
          options.frame.output, count, [&](int i) { return painted_frames.read_image(i); }, result.frames_per_second,
          options.frame.content);
  } catch (...) {
    if (fresh_store && store.finished() == 0) store.remove();  // bad input: leave nothing behind
    throw;
  }
  if (options.frames_dir.empty()) {
    for (auto& pass : pass_stores) pass->remove();
    store.remove();
  }
  if (!options.frame.report.empty())
    write_file_atomically(options.frame.report, video_report(options, result).dump(2) + "\n");
  return result;
}

nlohmann::json video_report(const VideoOptions& options, const VideoResult& result) {
  nlohmann::json report;
  report["options"] = options.frame;
  report["options"]["frame_iterations"] = options.frame_iterations;
  report["options"]["temporal_weight"] = options.temporal_weight;
  report["options"]["temporal_frames"] = options.temporal_frames;
  report["options"]["passes"] = options.passes;
  report["options"]["flow"] = options.flow;
  report["options"]["flow_cache"] = options.flow_cache;
  report["options"]["frames_dir"] = options.frames_dir;
  report["options"]["max_frames"] = options.max_frames;
  report["output_size"] = {{"width", result.width}, {"height", result.height}};
  report["frames_per_second"] = result.frames_per_second;
  report["frames"] = nlohmann::json::array();
  nlohmann::json mean_losses = nlohmann::json::object();
  double painted_seconds = 0;
  int painted = 0;
  for (const auto& r : result.records) {
    report["frames"].push_back(record_json(r));
    report["frames"].back()["resumed"] = r.resumed;
    for (const auto& [name, value] : r.losses) mean_losses[name] = mean_losses.value(name, 0.0) + value / result.frames;
    if (r.frame > 1 && !r.scene_cut && !r.resumed) painted_seconds += r.seconds, ++painted;
  }
  report["mean"] = {{"warp_error", result.warp_error},
                    {"losses", mean_losses},
                    {"seconds_per_later_frame", painted > 0 ? painted_seconds / painted : 0.0}};
  report["input_warp_error"] = result.input_warp_error;
  if (!result.boundaries.empty()) {
    nlohmann::json boundaries = nlohmann::json::array();
    double worst = 0;
    for (const auto& b : result.boundaries) {
      boundaries.push_back({{"frame", b.frame}, {"warp_error", b.warp_error}, {"unblended_warp_error", b.unblended_warp_error}});
      worst = std::max(worst, b.warp_error);
    }
    report["chunks"] = {{"boundaries", boundaries},
                        {"worst_boundary_to_mean", result.warp_error > 0 ? worst / result.warp_error : 0.0}};
  }
  report["flow"] = {{"seconds", result.flow_seconds}, {"waited_seconds", result.flow_wait_seconds}};
  report["audio"] = result.audio;
  if (!result.notes.empty()) report["notes"] = result.notes;
  return report;
}

}  // namespace impasto
