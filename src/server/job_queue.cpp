#include "server/job_queue.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "impasto/errors.h"
#include "server/bytes.h"
#include "server/image_header.h"
#include "server/media_files.h"

namespace impasto::server {
namespace fs = std::filesystem;
namespace {

std::string local_time(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  localtime_r(&now, &parts);
  char text[64];
  std::strftime(text, sizeof text, format, &parts);
  return text;
}

nlohmann::json losses(const IterationRecord& r) {
  nlohmann::json terms = nlohmann::json::object();
  for (const auto& [name, value] : r.losses) terms[name] = value;
  terms["total"] = r.total_loss;
  return terms;
}

// Why the runner's result file is not a whole PNG of the size it reported, or "".
std::string unfinished_result(const fs::path& file, const RunResult& result) {
  const auto bytes = read_bytes(file);
  if (!bytes) return "it is missing";
  return incomplete_png(*bytes, result.output_width, result.output_height);
}

const char* result_extension(JobKind kind) {
  switch (kind) {
    case JobKind::video: return ".mp4";
    case JobKind::audio: return ".wav";
    default: return ".png";
  }
}

std::optional<JobKind> kind_named(const std::string& name) {
  for (JobKind kind : {JobKind::image, JobKind::video, JobKind::audio})
    if (name == to_string(kind)) return kind;
  return std::nullopt;
}

// A painted frame in run_video's frames_dir (its FrameStore names them so).
fs::path frame_path(const fs::path& frames_dir, int frame) {
  char name[32];
  std::snprintf(name, sizeof name, "frame_%05d.png", frame);
  return frames_dir / name;
}

}  // namespace

const char* to_string(JobKind kind) {
  switch (kind) {
    case JobKind::image: return "image";
    case JobKind::video: return "video";
    case JobKind::audio: return "audio";
  }
  return "unknown";
}

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::queued: return "queued";
    case JobStatus::running: return "running";
    case JobStatus::done: return "done";
    case JobStatus::failed: return "failed";
    case JobStatus::cancelled: return "cancelled";
  }
  return "unknown";
}

struct JobQueue::Job {
  int id = 0;
  JobSpec spec;
  std::string created;
  JobStatus status = JobStatus::queued;
  std::atomic<bool> cancel_requested{false};
  int iteration = 0, planned = 0;
  std::vector<IterationRecord> history;
  std::string preview;  // latest preview PNG, dropped when the job ends
  int preview_count = 0;
  fs::path result;
  int width = 0, height = 0;
  IterationRecord final;
  std::string error;
  std::vector<std::string> notes;  // choices the run made for the user (RunCallbacks::on_note)
  int frame = 0, frames = 0, frames_done = 0;  // of a video: the frame being painted, of how many, written
  fs::path frames_dir;                         // of a video: its painted frames (PNG)
  int result_frames = 0;                       // of a finished video
  double result_seconds = 0;                   // of a finished sound
};

JobQueue::JobQueue(fs::path output_dir, EventLog& events, Runner runner, MediaRunners media)
    : output_dir_(std::move(output_dir)),
      run_stamp_(local_time("%Y%m%d-%H%M%S")),
      events_(events),
      runner_(std::move(runner)),
      media_(std::move(media)),
      journal_(output_dir_) {
  std::error_code error;
  fs::create_directories(output_dir_, error);
  if (!fs::is_directory(output_dir_))
    throw InputError("cannot create the output directory '" + output_dir_.string() + "'" +
                     (error ? ": " + error.message() : ""));
  remove_stale_temporaries(output_dir_);
  restore(journal_.load());
  worker_ = std::thread([this] { work(); });
}

JobQueue::~JobQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, job] : jobs_) job->cancel_requested = true;
  }
  wake_.notify_all();
  worker_.join();
}

int JobQueue::submit(JobSpec spec) {
  std::lock_guard lock(mutex_);
  auto job = std::make_unique<Job>();
  job->id = next_id_++;
  job->spec = std::move(spec);
  job->created = local_time("%H:%M:%S");
  const int id = job->id;
  jobs_[id] = std::move(job);
  publish_state();
  wake_.notify_all();
  return id;
}

bool JobQueue::cancel(int id) {
  std::lock_guard lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return false;
  Job& job = *found->second;
  if (job.status == JobStatus::queued) {
    job.status = JobStatus::cancelled;
    publish_state();
    return true;
  }
  if (job.status != JobStatus::running) return false;
  job.cancel_requested = true;  // the worker publishes the new status once the run stops
  return true;
}

void JobQueue::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    Job* next = nullptr;
    wake_.wait(lock, [&] {
      for (auto& [id, job] : jobs_)
        if (job->status == JobStatus::queued) {
          next = job.get();
          break;
        }
      return stopping_ || next;
    });
    if (stopping_) return;
    next->status = JobStatus::running;
    publish_state();
    lock.unlock();
    run(*next);
    lock.lock();
    next->preview.clear();
    publish_state();
  }
}

struct JobQueue::Finished {
  int width = 0, height = 0;
  IterationRecord final;
  int frames = 0;           // of a clip
  double seconds = 0;       // of a sound
  std::string unfinished;   // why the written result is not whole, or ""
};

// The callbacks of an image run, which an audio run shares: progress, previews, notes, cancel.
RunCallbacks JobQueue::run_callbacks(Job& job) {
  RunCallbacks callbacks;
  callbacks.preview_every = job.spec.preview_every;
  callbacks.on_iteration = [this, &job](const IterationRecord& r, int planned) {
    {
      std::lock_guard lock(mutex_);
      job.iteration = r.iteration;
      job.planned = planned;
      job.history.push_back(r);
    }
    events_.publish("progress", {{"id", job.id},
                                 {"iteration", r.iteration},
                                 {"planned", planned},
                                 {"seconds", r.seconds},
                                 {"losses", losses(r)}});
  };
  callbacks.on_preview = [this, &job](int iteration, const std::string& png) {
    int count;
    {
      std::lock_guard lock(mutex_);
      job.preview = png;
      count = ++job.preview_count;
    }
    events_.publish("preview", {{"id", job.id}, {"iteration", iteration}, {"count", count}});
  };
  callbacks.on_note = [this, &job](const std::string& note) {
    std::lock_guard lock(mutex_);
    job.notes.push_back(note);
    publish_state();
  };
  callbacks.cancelled = [&job] { return job.cancel_requested.load(); };
  return callbacks;
}

JobQueue::Finished JobQueue::run_image(Job& job, const fs::path& output) {
  Options options = job.spec.options;
  options.output = output.string();
  const RunResult result = runner_(options, run_callbacks(job));
  Finished finished;
  finished.width = result.output_width;
  finished.height = result.output_height;
  finished.final = result.final;
  finished.unfinished = unfinished_result(output, result);
  return finished;
}

JobQueue::Finished JobQueue::run_audio(Job& job, const fs::path& output) {
  AudioOptions options = job.spec.audio;
  options.output = output.string();
  const AudioResult result = media_.audio(options, run_callbacks(job));
  Finished finished;
  finished.final = result.final;
  finished.seconds = result.output_seconds;
  const auto bytes = read_bytes(output);
  finished.unfinished = bytes ? incomplete_wav(*bytes) : "it is missing";
  return finished;
}

// Frames are kept in job.frames_dir: each one becomes the job's preview as it is written.
JobQueue::Finished JobQueue::run_video(Job& job, const fs::path& output) {
  VideoOptions options = job.spec.video;
  options.frame = job.spec.options;
  options.frame.output = output.string();
  options.frames_dir = job.frames_dir.string();
  VideoCallbacks callbacks;
  const auto started = std::chrono::steady_clock::now();
  callbacks.cancelled = [&job] { return job.cancel_requested.load(); };
  callbacks.on_iteration = [&](int frame, int frames, int iteration, int planned) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    {
      std::lock_guard lock(mutex_);
      job.iteration = iteration;
      job.planned = planned;
      job.frame = frame;
      job.frames = frames;
    }
    events_.publish("progress", {{"id", job.id},
                                 {"iteration", iteration},
                                 {"planned", planned},
                                 {"frame", frame},
                                 {"frames", frames},
                                 {"seconds", seconds}});
  };
  callbacks.on_frame = [&](const FrameRecord& record, int frames) {
    const auto png = read_bytes(frame_path(job.frames_dir, record.frame));
    int count;
    {
      std::lock_guard lock(mutex_);
      job.frames_done = record.frame;
      job.frames = frames;
      if (png) job.preview = *png;
      count = ++job.preview_count;
    }
    events_.publish("frame", {{"id", job.id}, {"frame", record.frame}, {"frames", frames}, {"seconds", record.seconds}});
    if (png) events_.publish("preview", {{"id", job.id}, {"iteration", record.iterations}, {"count", count}, {"frame", record.frame}});
  };
  callbacks.on_note = run_callbacks(job).on_note;
  const VideoResult result = media_.video(options, callbacks);
  Finished finished;
  finished.width = result.width;
  finished.height = result.height;
  finished.frames = result.frames;
  if (!result.records.empty()) {
    const FrameRecord& last = result.records.back();
    finished.final.iteration = last.iterations;
    for (const auto& [name, value] : last.losses) {
      if (name == "total") finished.final.total_loss = value;
      else finished.final.losses.emplace_back(name, value);
    }
  }
  finished.unfinished = incomplete_video(output, result.frames);
  return finished;
}

void JobQueue::run(Job& job) {
  fs::path output;
  {
    std::lock_guard lock(mutex_);
    output = output_dir_ / result_name(job.id, result_extension(job.spec.kind));
    if (job.spec.kind == JobKind::video) job.frames_dir = output_dir_ / (output.stem().string() + "-frames");
  }
  JobStatus status = JobStatus::failed;
  std::string error;
  Finished finished;
  try {
    switch (job.spec.kind) {
      case JobKind::image: finished = run_image(job, output); break;
      case JobKind::video: finished = run_video(job, output); break;
      case JobKind::audio: finished = run_audio(job, output); break;
    }
    // A runner that reports success over a file it did not finish writing must not make a
    // `done` job that serves a broken result.
    if (finished.unfinished.empty()) {
      status = JobStatus::done;
    } else {
      error = "the result could not be written completely (" + finished.unfinished + ")";
      std::error_code ignored;
      fs::remove(output, ignored);
    }
  } catch (const RunCancelled&) {
    status = JobStatus::cancelled;
  } catch (const InputError& e) {
    error = e.what();
  } catch (const std::exception& e) {
    const std::string message = e.what();
    error = "internal error: " + message.substr(0, message.find('\n'));
  }
  if (status != JobStatus::done && !job.frames_dir.empty()) {
    std::error_code ignored;
    fs::remove_all(job.frames_dir, ignored);
  }
  std::lock_guard lock(mutex_);
  job.status = status;
  job.error = error;
  if (status != JobStatus::done) job.frames_dir.clear();
  if (status == JobStatus::done) {
    job.result = output;
    job.width = finished.width;
    job.height = finished.height;
    job.final = finished.final;
    job.result_frames = finished.frames;
    job.result_seconds = finished.seconds;
  }
}

std::string JobQueue::result_name(int id, const std::string& extension) const {
  const std::string base = "impasto-" + run_stamp_ + "-" + std::to_string(id);
  std::string name = base + extension;
  for (int n = 2; fs::exists(output_dir_ / name); ++n) name = base + "-" + std::to_string(n) + extension;
  return name;
}

nlohmann::json JobQueue::describe_all() const {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& [id, job] : jobs_) jobs.push_back(describe(*job));
  return jobs;
}

void JobQueue::publish_state() {
  nlohmann::json jobs = describe_all();
  journal_.save(jobs);
  events_.publish("state", {{"jobs", std::move(jobs)}});
}

// Jobs of an earlier server run on this output directory, from their descriptions in the journal.
void JobQueue::restore(const nlohmann::json& records) {
  for (const auto& record : records) try {
    if (!record.is_object() || !record.contains("id") || !record["id"].is_number_integer()) continue;
    const int64_t id = record["id"];
    if (id <= 0 || id > 100'000'000 || jobs_.count(static_cast<int>(id))) continue;
    auto job = std::make_unique<Job>();
    job->id = static_cast<int>(id);
    job->spec.title = record.value("title", "");
    job->spec.kind = kind_named(record.value("kind", "image")).value_or(JobKind::image);
    job->spec.options.model = record.value("model", "");
    job->spec.options.size = record.value("size", 0);
    job->spec.options.iterations = job->spec.audio.iterations = record.value("iterations", 0);
    job->created = record.value("created", "");
    job->iteration = record.value("iteration", 0);
    job->planned = record.value("planned", 0);
    job->error = record.value("error", "");
    job->notes = record.value("notes", std::vector<std::string>{});
    const std::string status = record.value("status", "");
    if (status == "done") {
      const auto result = record.value("result", nlohmann::json::object());
      job->result = output_dir_ / fs::path(result.value("file", "")).filename();
      job->width = result.value("width", 0);
      job->height = result.value("height", 0);
      const auto l = record.value("losses", nlohmann::json::object());
      job->final = IterationRecord{job->iteration, l.value("content", 0.0), l.value("style", 0.0), l.value("tv", 0.0),
                                   l.value("total", 0.0), record.value("seconds", 0.0)};
      job->result_frames = result.value("frames", 0);
      job->result_seconds = result.value("seconds", 0.0);
      std::string why;
      if (job->spec.kind == JobKind::video) {
        why = incomplete_video(job->result, job->result_frames);
        job->frames_done = job->frames = job->result_frames;
        if (fs::is_directory(output_dir_ / (job->result.stem().string() + "-frames")))
          job->frames_dir = output_dir_ / (job->result.stem().string() + "-frames");
      } else if (job->spec.kind == JobKind::audio) {
        const auto bytes = read_bytes(job->result);
        why = bytes ? incomplete_wav(*bytes) : "it is missing";
      } else {
        RunResult reported;
        reported.output_width = job->width;
        reported.output_height = job->height;
        why = unfinished_result(job->result, reported);
      }
      job->status = why.empty() ? JobStatus::done : JobStatus::failed;
      if (!why.empty()) job->error = "its result " + job->result.filename().string() + " is no longer whole: " + why;
    } else if (status == "failed" || status == "cancelled") {
      job->status = status == "failed" ? JobStatus::failed : JobStatus::cancelled;
    } else {
      job->status = JobStatus::failed;
      job->error = "lost: the studio stopped while this job was " + (status.empty() ? "queued" : status) +
                   "; submit it again";
    }
    next_id_ = std::max(next_id_, job->id + 1);
    jobs_[job->id] = std::move(job);
  } catch (const nlohmann::json::exception&) {
    // a damaged record (edited by hand?) is left out
  }
  if (!jobs_.empty()) journal_.save(describe_all());
}

nlohmann::json JobQueue::snapshot() const {
  std::lock_guard lock(mutex_);
  return {{"jobs", describe_all()}};
}

nlohmann::json JobQueue::describe(const Job& job) const {
  const Options& o = job.spec.options;
  nlohmann::json j{{"id", job.id},
                   {"kind", to_string(job.spec.kind)},
                   {"title", job.spec.title},
                   {"status", to_string(job.status)},
                   {"created", job.created},
                   {"iterations", job.spec.kind == JobKind::audio ? job.spec.audio.iterations : o.iterations},
                   {"iteration", job.iteration},
                   {"planned", job.planned},
                   {"preview_count", job.preview_count}};
  if (!job.history.empty()) {
    j["losses"] = losses(job.history.back());
    j["seconds"] = job.history.back().seconds;
  }
  if (job.status == JobStatus::running) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& r : job.history)
      history.push_back({{"iteration", r.iteration}, {"seconds", r.seconds}, {"losses", losses(r)}});
    j["history"] = std::move(history);
  }
  if (job.spec.kind != JobKind::audio) j.update({{"model", o.model}, {"size", o.size}});
  if (job.spec.kind == JobKind::video)
    j.update({{"frame", job.frame}, {"frames", job.frames}, {"frames_done", job.frames_done}});
  if (job.status == JobStatus::done) {
    const std::string url =
        "/api/jobs/" + std::to_string(job.id) + "/result" + result_extension(job.spec.kind);
    j["result"] = {{"url", url},
                   {"download", url + "?download=1"},
                   {"file", job.result.filename().string()},
                   {"width", job.width},
                   {"height", job.height}};
    if (job.spec.kind == JobKind::video) j["result"]["frames"] = job.result_frames;
    if (job.spec.kind == JobKind::audio) j["result"]["seconds"] = job.result_seconds;
    j["losses"] = losses(job.final);
  }
  if (!job.error.empty()) j["error"] = job.error;
  if (!job.notes.empty()) j["notes"] = job.notes;
  return j;
}

std::optional<std::string> JobQueue::preview_png(int id) const {
  std::lock_guard lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->preview.empty()) return std::nullopt;
  return found->second->preview;
}

std::optional<fs::path> JobQueue::frame_file(int id, int frame) const {
  std::lock_guard lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  const Job& job = *found->second;
  if (job.frames_dir.empty() || frame < 1 || frame > job.frames_done) return std::nullopt;
  return frame_path(job.frames_dir, frame);
}

std::optional<fs::path> JobQueue::result_file(int id) const {
  std::lock_guard lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->status != JobStatus::done) return std::nullopt;
  return found->second->result;
}

}  // namespace impasto::server
