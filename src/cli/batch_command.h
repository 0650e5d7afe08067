#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "batch/job_list.h"
#include "impasto/options.h"

namespace impasto {

// `impasto batch`: many stylize runs, on this machine or as a Slurm job array (README "Batches").
class BatchCommand {
 public:
  // Registers the options of `impasto stylize` on a command (main.cpp's own function), so that a
  // batch takes every one of them, on its command line and on each manifest line.
  using AddStylizeOptions = std::function<void(CLI::App& command, Options& options, bool& dry_run)>;

  BatchCommand(CLI::App& app, AddStylizeOptions add_stylize_options);
  bool parsed() const { return command_->parsed(); }
  int run();  // the exit status

 private:
  struct Job {
    batch::BatchJob job;
    Options options;
  };
  std::vector<Job> read_jobs() const;
  batch::GivenOptions given_options(const CLI::App& command) const;
  Options parse_job(const std::vector<std::string>& words, const std::string& where) const;
  int show_status() const;
  int run_worker(const std::vector<Job>& jobs) const;
  int run_here(const std::vector<Job>& jobs, const std::vector<int>& pending) const;
  int submit(const std::vector<Job>& jobs, const std::vector<int>& pending, const std::vector<int>& running) const;

  AddStylizeOptions add_stylize_options_;
  CLI::App* command_;
  std::vector<std::string> stylize_option_names_;
  Options options_;  // what CLI11 parses into; the batch reads the words as given instead
  bool dry_run_ = false;
  std::string manifest_, format_ = "png", status_, run_jobs_;
  int jobs_at_once_ = 0, run_chunk_ = -1, jobs_per_task_ = 4, array_limit_ = 0, gpus_per_task_ = 0;
  bool slurm_ = false;
  std::vector<std::string> sbatch_args_;
};

}  // namespace impasto
