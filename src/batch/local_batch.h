#pragma once
// A batch on this machine: worker processes (the impasto binary itself, `batch --run-jobs`), a few
// at a time, and one progress line for the whole batch.
#include <cstdio>
#include <string>
#include <vector>

#include "batch/job_state.h"

namespace impasto::batch {

struct LocalPlan {
  int parallel = 1;  // jobs at once
  int threads = 1;   // threads per job
};

// Jobs at once: `requested` (0: one per core), at most the pending jobs; threads per job:
// `requested_threads`, else the cores shared among the jobs (at least 1).
LocalPlan local_plan(int pending, int requested, int requested_threads, int cores);

// The jobs dealt round-robin to `plan.parallel` workers: worker w takes pending[w], pending[w + parallel], ...
std::vector<std::vector<int>> deal_jobs(const std::vector<int>& pending, int parallel);

// "batch: 5/12 done, 1 failed, 2 running, 4 left, 0:35 so far, about 0:48 to go". The time to go
// comes from the jobs finished in this run (unknown before the first).
std::string progress_line(int total, int done, int failed, int running, int left, double seconds, int finished_here);

struct LocalResult {
  int done = 0, failed = 0, left = 0;
  bool interrupted = false;
};

// Runs the pending jobs (indices into `names`, the output names of all jobs): starts the workers
// (`worker_command` + "--run-jobs i,j,... --threads T"), each writing its log to
// OUT/batch/logs/local-<w>.log, and draws the progress line on `progress` (redrawn in place on a
// terminal, else a line at each change) until they have all ended. SIGINT / SIGTERM are passed on
// to the workers, which abandon their current job and stop.
LocalResult run_local(const BatchPaths& paths, const std::vector<std::string>& names, const std::vector<int>& pending,
                      const std::vector<std::string>& worker_command, const LocalPlan& plan, std::FILE* progress,
                      bool terminal);

}  // namespace impasto::batch
