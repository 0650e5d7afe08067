#pragma once
// What a batch knows about each job, kept as files in its output folder so that any process (a
// local worker, a Slurm array task on another node, `impasto batch --status`) sees the same:
//   OUT/<name>                 the finished image (written atomically: it exists only when whole)
//   OUT/batch/state/<name>.json  {"state": "running", owner...} while a process works on it, or
//                              {"state": "failed", "error": ...} after it failed; removed on success
//   OUT/failed.json            every failed job with its one-line error (rebuilt under a lock)
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace impasto::batch {

struct BatchPaths {
  explicit BatchPaths(std::string folder) : out(std::move(folder)) {
    while (out.size() > 1 && out.back() == '/') out.pop_back();
  }
  std::string out;
  std::string folder() const { return out + "/batch"; }
  std::string manifest() const { return folder() + "/jobs.txt"; }
  std::string script() const { return folder() + "/impasto-batch.sbatch"; }
  std::string logs() const { return folder() + "/logs"; }
  std::string state() const { return folder() + "/state"; }
  std::string record(const std::string& job) const { return state() + "/" + job + ".json"; }
  std::string output(const std::string& job) const { return out + "/" + job; }
  std::string failed_json() const { return out + "/failed.json"; }
};

// Creates the output folder and the bookkeeping folders inside it.
void create_folders(const BatchPaths& paths);

// This process as the owner of a running job: host, pid and, inside Slurm, the array task
// ("123_4", from SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID, else SLURM_JOB_ID).
nlohmann::json this_process();

void mark_running(const BatchPaths& paths, const std::string& job);
void mark_failed(const BatchPaths& paths, const std::string& job, const std::string& error);
void clear_record(const BatchPaths& paths, const std::string& job);

// Whether the owner a "running" record names is still at work: on this host, its pid is alive;
// on another, its Slurm task is still in squeue (without squeue: taken as gone). A record of this
// process's own Slurm task is an earlier run of it (requeued), so gone.
using OwnerAlive = std::function<bool(const nlohmann::json& record)>;
OwnerAlive owner_alive_check();

enum class State { done, running, failed, left };
const char* state_name(State state);

struct JobStatus {
  std::string name;
  State state = State::left;
  std::string detail;  // failed: the error; running: who; left after an interruption: that
};

std::vector<JobStatus> job_statuses(const BatchPaths& paths, const std::vector<std::string>& jobs,
                                    const OwnerAlive& alive);

// "12 jobs: 8 done, 2 running, 1 failed, 1 left" and one line per job.
std::string status_summary(const std::vector<JobStatus>& statuses);
std::string status_table(const std::vector<JobStatus>& statuses);

// Rebuilds OUT/failed.json from the failed records, holding a lock so that concurrent tasks
// do not overwrite each other's entries. Removes it when nothing failed.
void write_failed_json(const BatchPaths& paths);

// Removes the temporary files an interrupted atomic write of this output may have left
// (".<stem>.tmp<pid><ext>", see image_io.cpp).
void remove_partial_outputs(const BatchPaths& paths, const std::string& job);

}  // namespace impasto::batch
