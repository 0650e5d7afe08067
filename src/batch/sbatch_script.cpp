#include "batch/sbatch_script.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "batch/job_list.h"
#include "impasto/errors.h"
#include "models/run_program.h"

namespace impasto::batch {

std::string sbatch_script(const SlurmScript& s) {
  const int chunks = chunk_count(s.jobs, s.jobs_per_task);
  std::ostringstream out;
  out << "#!/bin/bash\n"
      << "# Impasto batch: " << s.jobs << " stylize jobs in " << chunks << " array tasks of up to " << s.jobs_per_task
      << " jobs each.\n"
      << "# Written by `impasto batch --slurm`; submit it with `sbatch " << s.out << "/batch/impasto-batch.sbatch`\n"
      << "# (edit it first if you like: it holds no other state than the job list named below).\n"
      << "#\n"
      << "# The jobs are the lines of " << s.manifest << " (the options of `impasto stylize`, one job\n"
      << "# a line, each --output a file in " << s.out << "). Array task K runs lines K*" << s.jobs_per_task << "+1 to K*"
      << s.jobs_per_task << "+" << s.jobs_per_task << ",\n"
      << "# one after another. An image that exists is finished (images are written under a temporary\n"
      << "# name and renamed), and is never redone: resubmitting this script, or running the `impasto\n"
      << "# batch` command again, runs only the jobs that are missing or failed.\n"
      << "# Follow it: squeue --me; impasto batch --status " << s.out << "; logs in " << s.logs << ".\n"
      << "# Failed jobs and their errors: " << s.out << "/failed.json.\n"
      << "#\n"
      << "# The name squeue shows.\n"
      << "#SBATCH --job-name=" << s.job_name << "\n"
      << "# The tasks to run: the chunks with jobs left" << (s.array_limit > 0 ? "; %N: at most N at once" : "")
      << ".\n"
      << "#SBATCH --array=" << array_spec(s.tasks, s.array_limit) << "\n"
      << "# One log per task (%A: the array's job id, %a: the task).\n"
      << "#SBATCH --output=" << s.logs << "/%A_%a.log\n"
      << "# A preempted task, or one whose node failed, is queued again; it skips the jobs it finished.\n"
      << "#SBATCH --requeue\n"
      << resource_lines(s.workdir, s.cpus_per_task, s.gpus_per_task, s.sbatch_args);
  out << "\n"
      << "# Runs this task's chunk. On scancel or preemption Slurm sends SIGTERM: the job in progress\n"
      << "# stops at its next iteration and writes nothing. Exit status: 0 all done, 3 some jobs failed.\n"
      << "exec " << quote_word(s.impasto) << " batch --manifest " << quote_word(s.manifest) << " --output "
      << quote_word(s.out) << " \\\n"
      << "    --run-chunk \"$SLURM_ARRAY_TASK_ID\" --jobs-per-task " << s.jobs_per_task
      << " --threads \"${SLURM_CPUS_PER_TASK:-" << s.cpus_per_task << "}\"\n";
  return out.str();
}

std::string resource_lines(const std::string& workdir, int cpus_per_task, int gpus_per_task,
                           const std::vector<std::string>& sbatch_args) {
  for (const auto& arg : sbatch_args)
    if (arg.empty() || arg[0] != '-' || arg.find('\n') != std::string::npos)
      throw InputError("--sbatch-arg '" + arg + "' is not an sbatch option (e.g. --sbatch-arg=--partition=gpu)");
  std::ostringstream out;
  out << "# Paths in the command below are relative to this folder.\n"
      << "#SBATCH --chdir=" << workdir << "\n"
      << "# The threads the command runs with.\n"
      << "#SBATCH --cpus-per-task=" << cpus_per_task << "\n";
  if (gpus_per_task > 0)
    out << "# GPUs for each task (--device cuda uses them).\n"
        << "#SBATCH --gres=gpu:" << gpus_per_task << "\n";
  if (!sbatch_args.empty()) {
    out << "# Given with --sbatch-arg.\n";
    for (const auto& arg : sbatch_args) out << "#SBATCH " << arg << "\n";
  }
  return out.str();
}

std::string submit_script(const std::string& script, const std::vector<std::string>& options) {
  std::vector<std::string> command = {"sbatch", "--parsable"};
  command.insert(command.end(), options.begin(), options.end());
  command.push_back(script);
  std::string output;
  const int status = run_program_output(command, output);
  if (status == 127)
    throw InputError("--slurm needs sbatch on PATH (run it on the cluster's login node; --dry-run writes the script "
                     "without submitting)");
  const std::string id = parse_job_id(output);
  if (status != 0 || id.empty())
    throw std::runtime_error("sbatch " + script + " failed: " + output.substr(0, output.find('\n')));
  return id;
}

std::string parse_job_id(const std::string& sbatch_output) {
  std::istringstream lines(sbatch_output);
  std::string id;
  for (std::string line; std::getline(lines, line);) {
    const std::string first = line.substr(0, line.find(';'));
    if (!first.empty() && std::all_of(first.begin(), first.end(), [](unsigned char c) { return std::isdigit(c); }))
      id = first;
  }
  return id;
}

}  // namespace impasto::batch
