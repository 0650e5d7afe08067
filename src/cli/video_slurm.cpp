#include "cli/video_slurm.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "batch/job_runner.h"
#include "batch/job_state.h"
#include "batch/sbatch_script.h"
#include "batch/video_scripts.h"
#include "cli/given_options.h"
#include "cli/self_path.h"
#include "impasto/errors.h"
#include "io/atomic_file.h"
#include "models/run_program.h"
#include "run/run_plan.h"
#include "video/frame_source.h"
#include "video/video_chunks.h"
#include "video/video_progress.h"

namespace impasto {
namespace fs = std::filesystem;
using namespace batch;
namespace {

// Options of the Slurm run itself, not of painting: the scripts set them (or take them as resources).
const std::set<std::string> kSlurmLevel = {"--slurm",        "--dry-run",          "--slurm-array-limit",
                                           "--gpus-per-task", "--sbatch-arg",       "--run-chunk",
                                           "--assemble-chunks", "--chunk-frames",   "--chunk-overlap",
                                           "--chunk-starts",    "--clip-frames",      "--threads"};

// The clip's work folder: --frames-dir, else "<output>.slurm" beside the video.
std::string work_folder(const VideoOptions& o) {
  return o.frames_dir.empty() ? o.frame.output + ".slurm" : o.frames_dir;
}

std::string chunk_name(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "chunk_%03d", index);
  return name;
}

std::string jobs_record(const BatchPaths& paths) { return paths.folder() + "/slurm_jobs.json"; }

// The Slurm jobs of an earlier submission of this clip that squeue still lists. An assembly whose
// chunks failed or were cancelled waits forever (DependencyNeverSatisfied, where the cluster does
// not kill such jobs): it is cancelled here, as the new submission replaces it.
std::vector<std::string> jobs_still_queued(const BatchPaths& paths) {
  std::ifstream in(jobs_record(paths));
  const nlohmann::json record = nlohmann::json::parse(in, nullptr, false);
  if (record.is_discarded() || !record.contains("jobs")) return {};
  std::string ids;
  for (const auto& id : record["jobs"]) ids += (ids.empty() ? "" : ",") + id.get<std::string>();
  std::string output;
  if (ids.empty() || run_program_output({"squeue", "-h", "-o", "%A %r", "-j", ids}, output) != 0) return {};
  std::set<std::string> listed;
  std::istringstream lines(output);
  for (std::string id, reason; lines >> id >> reason;) {
    if (reason != "DependencyNeverSatisfied") {
      listed.insert(id);
      continue;
    }
    std::string ignored;
    run_program_output({"scancel", id}, ignored);
    std::printf("cancelled Slurm job %s: it waited for chunks that failed or were cancelled\n", id.c_str());
  }
  return {listed.begin(), listed.end()};
}

// The chunks' starts as the scripts gave them, else every --chunk-frames frames (up to `frames`).
std::vector<int> starts_or_regular(const VideoSlurmOptions& s, int frames) {
  return s.chunk_starts.empty() ? regular_chunk_starts(frames, s.chunk_frames) : s.chunk_starts;
}

void check_chunking(const VideoOptions& options, const VideoSlurmOptions& s) {
  if (options.passes > 1) throw InputError("--passes is not available with --slurm: chunks are painted in one pass");
  for (size_t k = 0; k < s.chunk_starts.size(); ++k)
    if (k == 0 ? s.chunk_starts[0] != 0 : s.chunk_starts[k] <= s.chunk_starts[k - 1] + s.chunk_overlap)
      throw InputError("--chunk-starts must begin at 0 and rise by more than --chunk-overlap");
  if (s.chunk_frames < 1) throw InputError("--chunk-frames must be at least 1");
  if (s.chunk_overlap < 0 || s.chunk_overlap >= s.chunk_frames)
    throw InputError("--chunk-overlap must be from 0 to --chunk-frames - 1");
  if (s.array_limit < 0 || s.gpus_per_task < 0)
    throw InputError("--slurm-array-limit and --gpus-per-task must not be negative");
}

int paint_chunk(const VideoOptions& options, const VideoSlurmOptions& s) {
  const BatchPaths paths(work_folder(options));
  create_folders(paths);
  const std::vector<int> starts = starts_or_regular(s, (s.run_chunk + 1) * s.chunk_frames + 1);
  if (s.run_chunk >= static_cast<int>(starts.size()))
    throw InputError("--run-chunk " + std::to_string(s.run_chunk) + ": there are " + std::to_string(starts.size()) +
                     " chunks");
  const VideoChunk chunk = video_chunk(s.run_chunk, starts, s.chunk_overlap, options.max_frames);
  std::vector<BatchJob> jobs;
  for (int k = 0; k <= s.run_chunk; ++k) jobs.push_back({chunk_name(k), {}});
  const auto paint = [&](const BatchJob&, const std::string& output, const std::function<bool()>& cancelled) {
    const std::string part = output + ".part";
    VideoProgress progress(stderr, false);
    VideoCallbacks callbacks;
    callbacks.on_frame = [&](const FrameRecord& r, int frames) {
      progress.frame_done(r.frame + chunk.first, chunk.first + frames, r.iterations, r.seconds, r.resumed);
    };
    callbacks.on_note = [](const std::string& note) { std::fprintf(stderr, "note: %s\n", note.c_str()); };
    callbacks.cancelled = cancelled;
    run_video(chunk_options(options, chunk, part), callbacks);
    progress.finish();
    std::error_code error;
    fs::rename(part, output, error);
    if (error) throw std::runtime_error("cannot rename '" + part + "' to '" + output + "': " + error.message());
  };
  const RunSummary summary = run_jobs(paths, jobs, {s.run_chunk}, paint, stderr);
  return exit_status(summary);
}

int assemble(const VideoOptions& options, const VideoSlurmOptions& s) {
  const std::string folder = work_folder(options);
  // The scripts give the count the submission made; the clip is then decoded once, by the assembly.
  const int frames = s.clip_frames > 0 ? s.clip_frames : count_frames(options.frame.content, options.max_frames);
  const auto chunks = video_chunks(starts_or_regular(s, frames), s.chunk_overlap, frames);
  std::vector<std::string> folders;
  for (const auto& c : chunks) folders.push_back(folder + "/" + chunk_name(c.index));
  const VideoResult result = assemble_video_chunks(options, chunks, folders);
  if (options.frames_dir.empty())
    for (const auto& f : folders) fs::remove_all(f);
  double worst = 0;
  for (const auto& b : result.boundaries) worst = std::max(worst, b.warp_error);
  std::fprintf(stderr,
               "wrote %s (%d frames from %zu chunks, %dx%d, audio: %s; warping error %.5f, worst chunk boundary "
               "%.5f = %.2fx the mean, input %.5f)\n",
               options.frame.output.c_str(), result.frames, chunks.size(), result.width, result.height,
               result.audio.c_str(), result.warp_error, worst, result.warp_error > 0 ? worst / result.warp_error : 0.0,
               result.input_warp_error);
  return 0;
}

int submit(const CLI::App& video, const VideoOptions& options, const VideoSlurmOptions& s, bool dry_run) {
  // Everything a task would refuse is refused here, before anything is queued.
  auto source = FrameSource::open(options.frame.content);
  const cv::Mat first = source->next();
  plan_run(options.frame, ImageSize{first.rows, first.cols});
  const std::vector<double> motion = clip_motion(options.frame.content, options.max_frames);
  const int frames = static_cast<int>(motion.size());
  const std::vector<int> starts =
      s.chunk_starts.empty() ? chunk_starts(motion, s.chunk_frames, s.chunk_overlap) : s.chunk_starts;
  const auto chunks = video_chunks(starts, s.chunk_overlap, frames);

  const BatchPaths paths(work_folder(options));
  const auto queued = jobs_still_queued(paths);
  if (!queued.empty()) {
    std::string ids;
    for (const auto& id : queued) ids += (ids.empty() ? "" : ",") + id;
    throw InputError("Slurm job " + ids + " of this clip is still queued or running (squeue -j " + ids +
                     "): wait for it, or scancel it, then run this command again");
  }
  create_folders(paths);
  std::vector<int> left;
  for (const auto& c : chunks) {
    const std::string folder = paths.output(chunk_name(c.index));
    if (fs::exists(folder) && chunk_finished(options, c, folder)) continue;
    fs::remove_all(folder);  // painted with other options: painted again
    clear_record(paths, chunk_name(c.index));
    left.push_back(c.index);
  }
  write_failed_json(paths);

  VideoScripts scripts;
  scripts.workdir = fs::current_path().string();
  scripts.impasto = self_path();
  scripts.folder = paths.out;
  scripts.logs = paths.logs();
  scripts.output = options.frame.output;
  scripts.arguments = option_words(given_options(video, [](const std::string& name) { return !kSlurmLevel.count(name); }));
  scripts.frames = frames;
  scripts.chunk_frames = s.chunk_frames;
  scripts.chunk_overlap = s.chunk_overlap;
  scripts.chunk_starts = starts;
  scripts.tasks = left;
  scripts.array_limit = s.array_limit;
  scripts.cpus_per_task = options.frame.threads > 0 ? options.frame.threads : 4;
  scripts.gpus_per_task = s.gpus_per_task;
  scripts.sbatch_args = s.sbatch_args;
  const std::string assembly = video_assembly_script(scripts);
  if (!left.empty()) {
    write_file_atomically(scripts.chunks_script(), video_chunks_script(scripts));
    ::chmod(scripts.chunks_script().c_str(), 0755);
  }
  write_file_atomically(scripts.assembly_script(), assembly);
  ::chmod(scripts.assembly_script().c_str(), 0755);

  const std::string plan = std::to_string(left.size()) + " of " + std::to_string(chunks.size()) + " chunks of about " +
                           std::to_string(s.chunk_frames) + " frames (" + std::to_string(s.chunk_overlap) +
                           " overlapping) left, " + std::to_string(frames) + " frames in all";
  if (dry_run) {
    std::printf("%s\nwrote %s%s; nothing submitted.\n", plan.c_str(),
                left.empty() ? "" : (scripts.chunks_script() + " and ").c_str(), scripts.assembly_script().c_str());
    if (!left.empty())
      std::printf("submit them with: id=$(sbatch --parsable %s) && sbatch --dependency=afterok:$id %s\n",
                  scripts.chunks_script().c_str(), scripts.assembly_script().c_str());
    else
      std::printf("submit it with: sbatch %s\n", scripts.assembly_script().c_str());
    return 0;
  }
  std::vector<std::string> ids;
  if (!left.empty()) ids.push_back(submit_script(scripts.chunks_script()));
  ids.push_back(submit_script(scripts.assembly_script(),
                              left.empty() ? std::vector<std::string>{}
                                           : std::vector<std::string>{"--dependency=afterok:" + ids.front()}));
  write_file_atomically(jobs_record(paths), nlohmann::json({{"jobs", ids}}).dump() + "\n");
  if (!left.empty())
    std::printf("submitted Slurm job %s: array %s (%s)\n", ids.front().c_str(), array_spec(left, 0).c_str(),
                plan.c_str());
  std::printf("submitted Slurm job %s: the assembly of %s%s\n", ids.back().c_str(), options.frame.output.c_str(),
              left.empty() ? "" : (", after job " + ids.front() + " succeeds").c_str());
  std::printf("follow it: squeue -j %s%s; logs: %s\n", ids.front().c_str(),
              ids.size() > 1 ? ("," + ids.back()).c_str() : "", paths.logs().c_str());
  return 0;
}

}  // namespace

void add_video_slurm_options(CLI::App& video, VideoSlurmOptions& s) {
  video.add_flag("--slurm", s.slurm,
                 "paint the clip in chunks as a Slurm job array, then assemble it in a dependent job");
  video.add_option("--chunk-frames", s.chunk_frames, "--slurm: frames of each chunk (one array task)")
      ->capture_default_str();
  video.add_option("--chunk-overlap", s.chunk_overlap,
                   "--slurm: frames each chunk paints before its own, crossfaded with the chunk before")
      ->capture_default_str();
  video.add_option("--slurm-array-limit", s.array_limit, "--slurm: at most this many chunks at once (0: no limit)");
  video.add_option("--gpus-per-task", s.gpus_per_task, "--slurm: GPUs per array task (--gres=gpu:N)");
  video.add_option("--sbatch-arg", s.sbatch_args, "--slurm: an sbatch option for the scripts, e.g. "
                                                  "--sbatch-arg=--partition=gpu; repeatable")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  video.add_option("--chunk-starts", s.chunk_starts,
                   "--slurm: the frames (from 0) where chunks start; default: about every --chunk-frames, where the "
                   "clip moves least")
      ->delimiter(',');
  video.add_option("--run-chunk", s.run_chunk, "paint chunk K (what the array task runs)");
  video.add_flag("--assemble-chunks", s.assemble, "put the painted chunks together (what the assembly job runs)");
  video.add_option("--clip-frames", s.clip_frames, "with --assemble-chunks: the clip's frame count (0: count them)");
}

int run_video_on_slurm(const CLI::App& video, const VideoOptions& options, const VideoSlurmOptions& s, bool dry_run) {
  check_video_options(options);
  check_chunking(options, s);
  if (s.run_chunk >= 0) return paint_chunk(options, s);
  if (s.assemble) return assemble(options, s);
  return submit(video, options, s, dry_run);
}

}  // namespace impasto
