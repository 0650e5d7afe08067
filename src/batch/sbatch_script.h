#pragma once
// The sbatch script of a batch: a job array whose task K runs chunk K of the job list.
#include <string>
#include <vector>

namespace impasto::batch {

struct SlurmScript {
  std::string job_name = "impasto-batch";
  std::string workdir;          // absolute: the folder the batch command ran in (paths are relative to it)
  std::string impasto;          // absolute path of the impasto binary
  std::string out;              // the batch folder, as given
  std::string manifest;         // the job list, as a path relative to workdir (or absolute)
  std::string logs;             // where each task's log goes
  int jobs = 0;                 // jobs in the list
  int jobs_per_task = 1;
  std::vector<int> tasks;       // the array indices to run (chunks with work left)
  int array_limit = 0;          // %N: at most N tasks at once; 0: no limit
  int cpus_per_task = 1;        // also each job's --threads
  int gpus_per_task = 0;        // --gres=gpu:N when > 0
  std::vector<std::string> sbatch_args;  // passed through as #SBATCH lines, e.g. --partition=gpu
};

// A script a person can read and edit: what it runs, why each #SBATCH line is there, how to
// resubmit. Throws InputError for an --sbatch-arg that does not start with '-'.
std::string sbatch_script(const SlurmScript& script);

// The #SBATCH lines every Impasto script shares, each after a comment saying why: the folder paths
// are relative to, the threads, GPUs when asked for, and the user's own --sbatch-arg options.
// Throws InputError for an --sbatch-arg that does not start with '-'.
std::string resource_lines(const std::string& workdir, int cpus_per_task, int gpus_per_task,
                           const std::vector<std::string>& sbatch_args);

// Submits `script` with `sbatch --parsable [options] script`; returns the job id. Throws InputError
// when sbatch is missing, std::runtime_error with sbatch's message when it refuses.
std::string submit_script(const std::string& script, const std::vector<std::string>& options = {});

// The job id in `sbatch --parsable` output ("123" or "123;cluster"); empty when there is none.
std::string parse_job_id(const std::string& sbatch_output);

}  // namespace impasto::batch
