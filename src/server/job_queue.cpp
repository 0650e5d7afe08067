#include "server/job_queue.h"

#include <atomic>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "impasto/errors.h"
#include "server/image_header.h"

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
  std::ifstream in(file, std::ios::binary);
  if (!in) return "it is missing";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return incomplete_png(bytes.str(), result.output_width, result.output_height);
}

}  // namespace

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
};

JobQueue::JobQueue(fs::path output_dir, EventLog& events, Runner runner)
    : output_dir_(std::move(output_dir)),
      run_stamp_(local_time("%Y%m%d-%H%M%S")),
      events_(events),
      runner_(std::move(runner)),
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

void JobQueue::run(Job& job) {
  Options options = job.spec.options;
  {
    std::lock_guard lock(mutex_);
    options.output = (output_dir_ / result_name(job.id)).string();
  }
  RunCallbacks callbacks;
  callbacks.preview_every = job.spec.preview_every;
  callbacks.on_iteration = [&](const IterationRecord& r, int planned) {
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
  callbacks.on_preview = [&](int iteration, const std::string& png) {
    int count;
    {
      std::lock_guard lock(mutex_);
      job.preview = png;
      count = ++job.preview_count;
    }
    events_.publish("preview", {{"id", job.id}, {"iteration", iteration}, {"count", count}});
  };
  callbacks.on_note = [&](const std::string& note) {
    std::lock_guard lock(mutex_);
    job.notes.push_back(note);
    publish_state();
  };
  callbacks.cancelled = [&] { return job.cancel_requested.load(); };

  JobStatus status = JobStatus::failed;
  std::string error;
  RunResult result;
  try {
    result = runner_(options, callbacks);
    // A runner that reports success over a file it did not finish writing must not make a
    // `done` job that serves a broken image.
    if (const std::string why = unfinished_result(options.output, result); why.empty()) {
      status = JobStatus::done;
    } else {
      error = "the result could not be written completely (" + why + ")";
      std::error_code ignored;
      fs::remove(options.output, ignored);
    }
  } catch (const RunCancelled&) {
    status = JobStatus::cancelled;
  } catch (const InputError& e) {
    error = e.what();
  } catch (const std::exception& e) {
    const std::string message = e.what();
    error = "internal error: " + message.substr(0, message.find('\n'));
  }
  std::lock_guard lock(mutex_);
  job.status = status;
  job.error = error;
  if (status == JobStatus::done) {
    job.result = options.output;
    job.width = result.output_width;
    job.height = result.output_height;
    job.final = result.final;
  }
}

std::string JobQueue::result_name(int id) const {
  const std::string base = "impasto-" + run_stamp_ + "-" + std::to_string(id);
  std::string name = base + ".png";
  for (int n = 2; fs::exists(output_dir_ / name); ++n) name = base + "-" + std::to_string(n) + ".png";
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
    job->spec.options.model = record.value("model", "");
    job->spec.options.size = record.value("size", 0);
    job->spec.options.iterations = record.value("iterations", 0);
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
      RunResult reported;
      reported.output_width = job->width;
      reported.output_height = job->height;
      const std::string why = unfinished_result(job->result, reported);
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
                   {"title", job.spec.title},
                   {"status", to_string(job.status)},
                   {"created", job.created},
                   {"model", o.model},
                   {"size", o.size},
                   {"iterations", o.iterations},
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
  if (job.status == JobStatus::done) {
    const std::string url = "/api/jobs/" + std::to_string(job.id) + "/result.png";
    j["result"] = {{"url", url},
                   {"download", url + "?download=1"},
                   {"file", job.result.filename().string()},
                   {"width", job.width},
                   {"height", job.height}};
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

std::optional<fs::path> JobQueue::result_file(int id) const {
  std::lock_guard lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->status != JobStatus::done) return std::nullopt;
  return found->second->result;
}

}  // namespace impasto::server
