#include "batch/local_batch.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <thread>

#include "impasto/errors.h"

namespace impasto::batch {
namespace {

std::atomic<int> signal_received{0};

void on_signal(int number) { signal_received = number; }

std::string duration_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

pid_t start_worker(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int null = open("/dev/null", O_RDONLY);
  if (log < 0 || null < 0) _exit(127);
  dup2(null, STDIN_FILENO);
  dup2(log, STDOUT_FILENO);
  dup2(log, STDERR_FILENO);
  execv(args[0], args.data());
  _exit(127);
}

}  // namespace

LocalPlan local_plan(int pending, int requested, int requested_threads, int cores) {
  LocalPlan plan;
  cores = std::max(1, cores);
  plan.parallel = std::max(1, std::min(requested > 0 ? requested : cores, std::max(1, pending)));
  plan.threads = requested_threads > 0 ? requested_threads : std::max(1, cores / plan.parallel);
  return plan;
}

std::vector<std::vector<int>> deal_jobs(const std::vector<int>& pending, int parallel) {
  std::vector<std::vector<int>> shares(static_cast<size_t>(std::max(1, parallel)));
  for (size_t i = 0; i < pending.size(); ++i) shares[i % shares.size()].push_back(pending[i]);
  shares.erase(std::remove_if(shares.begin(), shares.end(), [](const auto& s) { return s.empty(); }), shares.end());
  return shares;
}

std::string progress_line(int total, int done, int failed, int running, int left, double seconds, int finished_here) {
  std::string line = "batch: " + std::to_string(done) + "/" + std::to_string(total) + " done, " +
                     std::to_string(failed) + " failed, " + std::to_string(running) + " running, " +
                     std::to_string(left) + " left, " + duration_text(seconds) + " so far";
  if (finished_here > 0 && running + left > 0)
    line += ", about " + duration_text(seconds / finished_here * (running + left)) + " to go";
  return line;
}

LocalResult run_local(const BatchPaths& paths, const std::vector<std::string>& names, const std::vector<int>& pending,
                      const std::vector<std::string>& worker_command, const LocalPlan& plan, std::FILE* progress,
                      bool terminal) {
  signal_received = 0;
  struct sigaction action {}, old_int {}, old_term {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  std::vector<pid_t> workers;
  const auto shares = deal_jobs(pending, plan.parallel);
  for (size_t w = 0; w < shares.size(); ++w) {
    std::string list;
    for (int i : shares[w]) list += (list.empty() ? "" : ",") + std::to_string(i);
    std::vector<std::string> argv = worker_command;
    argv.insert(argv.end(), {"--run-jobs", list, "--threads", std::to_string(plan.threads)});
    const pid_t pid = start_worker(argv, paths.logs() + "/local-" + std::to_string(w) + ".log");
    if (pid < 0) throw std::runtime_error("cannot start a worker process");
    workers.push_back(pid);
  }

  std::vector<std::string> pending_names;
  for (int i : pending) pending_names.push_back(names.at(static_cast<size_t>(i)));
  const int total = static_cast<int>(names.size());
  const int done_before = total - static_cast<int>(pending.size());
  const auto alive = owner_alive_check();
  const auto start = std::chrono::steady_clock::now();
  std::string last_line;
  bool forwarded = false;
  LocalResult result;
  for (;;) {
    for (auto& pid : workers)
      if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == pid) pid = 0;
    const bool finished = std::all_of(workers.begin(), workers.end(), [](pid_t p) { return p == 0; });
    if (signal_received && !forwarded) {
      for (pid_t pid : workers)
        if (pid > 0) kill(pid, SIGTERM);
      forwarded = true;
    }
    int done = 0, failed = 0, running = 0, left = 0;
    for (const auto& s : job_statuses(paths, pending_names, alive)) {
      if (s.state == State::done) ++done;
      else if (s.state == State::failed) ++failed;
      else if (s.state == State::running) ++running;
      else ++left;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string line = progress_line(total, done_before + done, failed, running, left, seconds, done + failed);
    if (terminal) {
      std::fprintf(progress, "\r%s\033[K", line.c_str());
    } else if (line.substr(0, line.find(" left")) != last_line.substr(0, last_line.find(" left"))) {
      std::fprintf(progress, "%s\n", line.c_str());  // plain output: a line when the counts change
      last_line = line;
    }
    std::fflush(progress);
    if (finished) {
      if (terminal) std::fprintf(progress, "\n");
      result = {done_before + done, failed, running + left, signal_received != 0};
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace impasto::batch
