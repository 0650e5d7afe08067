#pragma once
// Runs jobs of a batch one after another in this process: a local worker or a Slurm array task.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "batch/job_list.h"
#include "batch/job_state.h"

namespace impasto::batch {

// Runs one job, writing `output`; polls `cancelled` and throws impasto::RunCancelled when it is set.
using RunOne = std::function<void(const BatchJob& job, const std::string& output, const std::function<bool()>& cancelled)>;

struct RunSummary {
  int done = 0;         // finished here
  int already = 0;      // finished before, or being run by another live process: skipped
  int failed = 0;
  bool interrupted = false;  // SIGTERM / SIGINT: the job in progress was abandoned, nothing written
};

// Runs jobs[i] for each of `indices` whose output does not exist yet. Each job is marked running
// while it runs, failed (with its one-line error) when it throws, and unmarked when done; failed.json
// is rebuilt after each failure. SIGTERM or SIGINT (scancel, preemption, Ctrl-C) stops the job in
// progress at its next iteration, unmarks it and returns. Writes a line per job to `log`.
RunSummary run_jobs(const BatchPaths& paths, const std::vector<BatchJob>& jobs, const std::vector<int>& indices,
                    const RunOne& run_one, std::FILE* log);

// The exit status of a worker or array task: 0 all its jobs done, 3 some failed, 143 interrupted.
int exit_status(const RunSummary& summary);

}  // namespace impasto::batch
