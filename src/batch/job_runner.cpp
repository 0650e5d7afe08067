#include "batch/job_runner.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "impasto/stylize.h"

namespace impasto::batch {
namespace fs = std::filesystem;
namespace {

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested = true; }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

RunSummary run_jobs(const BatchPaths& paths, const std::vector<BatchJob>& jobs, const std::vector<int>& indices,
                    const RunOne& run_one, std::FILE* log) {
  stop_requested = false;
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  const auto alive = owner_alive_check();
  const auto cancelled = [] { return stop_requested.load(); };
  RunSummary summary;
  for (const int index : indices) {
    if (stop_requested) {
      summary.interrupted = true;
      break;
    }
    const BatchJob& job = jobs.at(static_cast<size_t>(index));
    const std::string output = paths.output(job.name);
    const auto status = job_statuses(paths, {job.name}, alive).front();
    if (status.state == State::done || status.state == State::running) {
      ++summary.already;
      std::fprintf(log, "job %d %s: %s, skipped\n", index + 1, job.name.c_str(),
                   status.state == State::done ? "already done" : ("running elsewhere: " + status.detail).c_str());
      continue;
    }
    remove_partial_outputs(paths, job.name);  // an earlier process killed while writing
    mark_running(paths, job.name);
    std::fprintf(log, "job %d %s: started\n", index + 1, job.name.c_str());
    std::fflush(log);
    const auto start = std::chrono::steady_clock::now();
    try {
      run_one(job, output, cancelled);
      clear_record(paths, job.name);
      if (status.state == State::failed) write_failed_json(paths);  // it failed in an earlier run
      ++summary.done;
      std::fprintf(log, "job %d %s: done in %.1f s\n", index + 1, job.name.c_str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    } catch (const RunCancelled&) {
      clear_record(paths, job.name);
      summary.interrupted = true;
      std::fprintf(log, "job %d %s: interrupted, nothing written\n", index + 1, job.name.c_str());
      break;
    } catch (const std::exception& e) {
      const std::string error = first_line(e.what());
      mark_failed(paths, job.name, error);
      write_failed_json(paths);
      ++summary.failed;
      std::fprintf(log, "job %d %s: failed: %s\n", index + 1, job.name.c_str(), error.c_str());
    }
    std::fflush(log);
  }
  if (stop_requested) summary.interrupted = true;
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  return summary;
}

int exit_status(const RunSummary& summary) {
  if (summary.interrupted) return 143;
  return summary.failed > 0 ? 3 : 0;
}

}  // namespace impasto::batch
