#include "cli/batch_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "batch/job_runner.h"
#include "batch/job_state.h"
#include "batch/local_batch.h"
#include "batch/sbatch_script.h"
#include "cli/given_options.h"
#include "cli/self_path.h"
#include "image/image_io.h"
#include "impasto/errors.h"
#include "impasto/stylize.h"
#include "report/progress.h"

namespace impasto {
namespace fs = std::filesystem;
using namespace batch;
namespace {

// Options of the batch itself, not of each job: the folders, threads (split by the batch) and --dry-run.
const std::set<std::string> kBatchLevel = {"--content", "--style", "--output", "--threads", "--dry-run"};
// Options naming one file for a whole run: a batch would have every job write the same file.
const std::set<std::string> kOneFilePerRun = {"--report", "--animate"};

std::string read_text(const std::string& path, const std::string& role) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + role + " '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<int> parse_indices(const std::string& list) {
  std::vector<int> indices;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      indices.push_back(std::stoi(item));
    } catch (const std::exception&) {
      throw InputError("--run-jobs takes job indices like 0,3,6, got '" + list + "'");
    }
  }
  return indices;
}

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

BatchCommand::BatchCommand(CLI::App& app, AddStylizeOptions add_stylize_options)
    : add_stylize_options_(std::move(add_stylize_options)) {
  command_ = app.add_subcommand("batch", "many stylize runs (content x style folders, or a manifest), here or on Slurm");
  add_stylize_options_(*command_, options_, dry_run_);
  for (const CLI::Option* option : command_->get_options()) {
    stylize_option_names_.push_back(option->get_name());
    const_cast<CLI::Option*>(option)->required(false);
  }
  command_->get_option("--content")->description("content photos: folders (their images) or files; repeatable");
  command_->get_option("--style")->description("style images: folders (their images) or files; repeatable");
  command_->get_option("--output")->description("the batch folder: outputs, job list, logs, failed.json");
  command_->get_option("--threads")->description("threads per job (default: the cores shared among the jobs at once; "
                                                 "Slurm: 4, as --cpus-per-task)");
  command_->get_option("--dry-run")->description("print the plan and run nothing; with --slurm write the script, submit nothing");
  command_->add_option("--manifest", manifest_, "jobs from a file: one job a line, any stylize options");
  command_->add_option("--format", format_, "output image type (file extension)")->capture_default_str();
  command_->add_option("--jobs,-j", jobs_at_once_, "jobs at once on this machine (default: one per core)");
  command_->add_flag("--slurm", slurm_, "write an sbatch script (a job array) and submit it with sbatch");
  command_->add_option("--jobs-per-task", jobs_per_task_, "jobs per Slurm array task (run one after another)")
      ->capture_default_str();
  command_->add_option("--slurm-array-limit", array_limit_, "at most this many array tasks at once (0: no limit)");
  command_->add_option("--gpus-per-task", gpus_per_task_, "GPUs per array task (--gres=gpu:N)");
  command_->add_option("--sbatch-arg", sbatch_args_, "an sbatch option for the script, e.g. --sbatch-arg=--partition=gpu; "
                                                     "repeatable")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command_->add_option("--status", status_, "show done / running / failed / left for each job of this batch folder");
  command_->add_option("--run-chunk", run_chunk_, "run array task K's jobs of --manifest (what the sbatch script runs)");
  command_->add_option("--run-jobs", run_jobs_, "run these jobs of --manifest, e.g. 0,3,6 (what local workers run)");
}

GivenOptions BatchCommand::given_options(const CLI::App& command) const {
  return impasto::given_options(command, [this](const std::string& name) {
    return std::find(stylize_option_names_.begin(), stylize_option_names_.end(), name) != stylize_option_names_.end();
  });
}

Options BatchCommand::parse_job(const std::vector<std::string>& words, const std::string& where) const {
  CLI::App app;
  Options options;
  bool dry_run = false;
  add_stylize_options_(app, options, dry_run);
  std::vector<std::string> reversed(words.rbegin(), words.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw InputError(where + ": " + e.what());
  }
  return options;
}

std::vector<BatchCommand::Job> BatchCommand::read_jobs() const {
  const auto given = given_options(*command_);
  GivenOptions common;
  for (const auto& option : given) {
    if (kOneFilePerRun.count(option.name))
      throw InputError(option.name + " names one file for every job of a batch: give it per job in a --manifest line");
    if (!kBatchLevel.count(option.name)) common.push_back(option);
  }
  try {
    check_writable_image_path("x." + format_);
  } catch (const InputError&) {
    throw InputError("--format " + format_ + ": unsupported image type (use png, jpg, tif, bmp or webp)");
  }
  std::vector<BatchJob> jobs;
  std::vector<std::string> where;
  if (!manifest_.empty()) {
    // With a manifest, --content / --style on the command line are what lines without them use.
    for (const auto& option : given)
      if (option.name == "--content" || option.name == "--style") common.push_back(option);
    for (const auto& line : manifest_lines(read_text(manifest_, "manifest"))) {
      const std::string place = manifest_ + " line " + std::to_string(line.number);
      CLI::App app;
      Options ignored;
      bool dry_run = false;
      add_stylize_options_(app, ignored, dry_run);
      for (const CLI::Option* option : app.get_options()) const_cast<CLI::Option*>(option)->required(false);
      std::vector<std::string> reversed(line.words.rbegin(), line.words.rend());
      try {
        app.parse(reversed);
      } catch (const CLI::ParseError& e) {
        throw InputError(place + ": " + e.what());
      }
      jobs.push_back(manifest_job(given_options(app), common, format_, place));
      where.push_back(place);
    }
    if (jobs.empty()) throw InputError("manifest '" + manifest_ + "' lists no jobs");
  } else {
    const CLI::Option* content = command_->get_option("--content");
    const CLI::Option* style = command_->get_option("--style");
    if (content->count() == 0 || style->count() == 0)
      throw InputError("batch needs --content and --style (folders or images), or --manifest FILE");
    jobs = pair_jobs(image_files(content->results(), "--content"), image_files(style->results(), "--style"), common,
                     format_);
    for (size_t i = 0; i < jobs.size(); ++i) where.push_back("job " + std::to_string(i + 1));
  }
  check_unique_names(jobs);
  std::vector<Job> parsed;
  for (size_t i = 0; i < jobs.size(); ++i) {
    Options options = parse_job(option_words(jobs[i].options), where[i]);
    options.output = jobs[i].name;  // checked as a name here; the worker sets the path in the batch folder
    try {
      validate(options);
    } catch (const InputError& e) {
      throw InputError(where[i] + " (" + jobs[i].name + "): " + e.what());
    }
    parsed.push_back({jobs[i], options});
  }
  return parsed;
}

int BatchCommand::run() {
  if (!status_.empty()) return show_status();
  if (command_->get_option("--output")->count() == 0)
    throw InputError("batch needs --output FOLDER (where the images, the job list and the logs go)");
  if (jobs_per_task_ < 1) throw InputError("--jobs-per-task must be at least 1");
  if (jobs_at_once_ < 0 || array_limit_ < 0 || gpus_per_task_ < 0)
    throw InputError("--jobs, --slurm-array-limit and --gpus-per-task must not be negative");
  const auto jobs = read_jobs();
  if (run_chunk_ >= 0 || !run_jobs_.empty()) return run_worker(jobs);

  const BatchPaths paths(options_.output);
  std::vector<std::string> names;
  for (const auto& j : jobs) names.push_back(j.job.name);
  std::vector<int> pending, running;
  const auto statuses = job_statuses(paths, names, owner_alive_check());
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].state == State::running) running.push_back(static_cast<int>(i));
    else if (statuses[i].state != State::done) pending.push_back(static_cast<int>(i));
  }
  if (!dry_run_ || slurm_) {
    create_folders(paths);
    std::vector<BatchJob> list;
    for (const auto& j : jobs) list.push_back(j.job);
    write_file_atomically(paths.manifest(),
                          manifest_text(list, "The jobs of `impasto batch --output " + paths.out +
                                                  "`, one a line: options of `impasto stylize`;\n"
                                                  "each --output is a file in " + paths.out +
                                                  ". Rewritten by every batch command on this folder."));
  }
  return slurm_ ? submit(jobs, pending, running) : run_here(jobs, pending);
}

int BatchCommand::run_worker(const std::vector<Job>& jobs) const {
  const BatchPaths paths(options_.output);
  create_folders(paths);
  std::vector<int> indices = run_chunk_ >= 0 ? chunk_jobs(run_chunk_, static_cast<int>(jobs.size()), jobs_per_task_)
                                             : parse_indices(run_jobs_);
  std::vector<BatchJob> list;
  for (const auto& j : jobs) list.push_back(j.job);
  for (int i : indices)
    if (i < 0 || i >= static_cast<int>(jobs.size()))
      throw InputError("job index " + std::to_string(i) + " is outside the " + std::to_string(jobs.size()) +
                       " jobs of " + manifest_);
  const bool threads_given = command_->get_option("--threads")->count() > 0;
  const auto run_one = [&](const BatchJob& job, const std::string& output, const std::function<bool()>& cancelled) {
    size_t index = 0;
    while (jobs[index].job.name != job.name) ++index;
    Options options = jobs[index].options;
    options.output = output;
    if (threads_given) options.threads = options_.threads;
    Progress progress(stderr, false, options.print_every);
    RunCallbacks callbacks;
    callbacks.on_iteration = [&](const IterationRecord& r, int planned) { progress.update(r, planned); };
    callbacks.on_note = [](const std::string& note) { std::fprintf(stderr, "note: %s\n", note.c_str()); };
    callbacks.cancelled = cancelled;
    stylize(options, callbacks);
    progress.finish();
  };
  const RunSummary summary = run_jobs(paths, list, indices, run_one, stderr);
  std::fprintf(stderr, "%d done here, %d done before or elsewhere, %d failed%s\n", summary.done, summary.already,
               summary.failed, summary.interrupted ? ", interrupted" : "");
  return exit_status(summary);
}

int BatchCommand::run_here(const std::vector<Job>& jobs, const std::vector<int>& pending) const {
  const BatchPaths paths(options_.output);
  const int requested_threads = command_->get_option("--threads")->count() > 0 ? options_.threads : 0;
  const LocalPlan plan = local_plan(static_cast<int>(pending.size()), jobs_at_once_, requested_threads, cores());
  const int total = static_cast<int>(jobs.size());
  if (pending.empty()) {
    std::printf("all %d jobs of %s are done (or running in another process)\n", total, paths.out.c_str());
    return 0;
  }
  std::printf("%d jobs: %d to run, %d at a time with %d thread%s each\n", total, static_cast<int>(pending.size()),
              plan.parallel, plan.threads, plan.threads == 1 ? "" : "s");
  std::fflush(stdout);
  if (dry_run_) {
    std::printf("dry run: nothing run, nothing written\n");
    return 0;
  }
  std::vector<std::string> names;
  for (const auto& j : jobs) names.push_back(j.job.name);
  for (int i : pending) clear_record(paths, names[static_cast<size_t>(i)]);  // failed before: run again
  write_failed_json(paths);
  const std::vector<std::string> worker = {self_path(), "batch", "--manifest", paths.manifest(), "--output", paths.out};
  const LocalResult result = run_local(paths, names, pending, worker, plan, stderr, isatty(STDERR_FILENO));
  write_failed_json(paths);
  if (result.interrupted) {
    std::fprintf(stderr, "interrupted: %d of %d jobs done; run the same command again to finish\n", result.done, total);
    return 130;
  }
  if (result.failed > 0) {
    std::fprintf(stderr, "%d of %d jobs failed: their errors are in %s (logs in %s)\n", result.failed, total,
                 paths.failed_json().c_str(), paths.logs().c_str());
    return 3;
  }
  if (result.left > 0) {
    std::fprintf(stderr, "%d jobs did not run (see the logs in %s)\n", result.left, paths.logs().c_str());
    return 1;
  }
  std::fprintf(stderr, "all %d jobs done: %s\n", total, paths.out.c_str());
  return 0;
}

int BatchCommand::submit(const std::vector<Job>& jobs, const std::vector<int>& pending,
                          const std::vector<int>& running) const {
  const BatchPaths paths(options_.output);
  const int total = static_cast<int>(jobs.size());
  // A chunk with a job running has a live task, which goes on to the rest of its chunk.
  std::set<int> chunks, busy;
  for (int i : running) busy.insert(i / jobs_per_task_);
  for (int i : pending)
    if (!busy.count(i / jobs_per_task_)) chunks.insert(i / jobs_per_task_);
  if (!busy.empty())
    std::printf("array tasks %s have a job running and go on with their chunks: not submitted again\n",
                array_spec(std::vector<int>(busy.begin(), busy.end()), 0).c_str());
  if (chunks.empty()) {
    std::printf("all %d jobs of %s are done (or running); nothing to submit\n", total, paths.out.c_str());
    return 0;
  }
  SlurmScript script;
  script.workdir = fs::current_path().string();
  script.impasto = self_path();
  script.out = paths.out;
  script.manifest = paths.manifest();
  script.logs = paths.logs();
  script.jobs = total;
  script.jobs_per_task = jobs_per_task_;
  script.tasks.assign(chunks.begin(), chunks.end());
  script.array_limit = array_limit_;
  script.cpus_per_task = command_->get_option("--threads")->count() > 0 && options_.threads > 0 ? options_.threads : 4;
  script.gpus_per_task = gpus_per_task_;
  script.sbatch_args = sbatch_args_;
  write_file_atomically(paths.script(), sbatch_script(script));
  ::chmod(paths.script().c_str(), 0755);
  const std::string tasks = array_spec(script.tasks, 0);
  if (dry_run_) {
    std::printf("wrote %s (array %s: %zu tasks for %d jobs left of %d); nothing submitted.\nsubmit it with: sbatch %s\n",
                paths.script().c_str(), tasks.c_str(), script.tasks.size(), static_cast<int>(pending.size()), total,
                paths.script().c_str());
    return 0;
  }
  std::vector<std::string> names;
  for (const auto& j : jobs) names.push_back(j.job.name);
  for (int i : pending) clear_record(paths, names[static_cast<size_t>(i)]);  // failed before: run again
  write_failed_json(paths);
  const std::string id = submit_script(paths.script());
  std::printf("submitted Slurm job %s: array %s (%zu tasks) for %d jobs left of %d\n", id.c_str(), tasks.c_str(),
              script.tasks.size(), static_cast<int>(pending.size()), total);
  std::printf("follow it: squeue -j %s; impasto batch --status %s; logs: %s/%s_*.log\n", id.c_str(),
              paths.out.c_str(), paths.logs().c_str(), id.c_str());
  return 0;
}

int BatchCommand::show_status() const {
  const BatchPaths paths(status_);
  std::error_code error;
  if (!fs::exists(paths.manifest(), error))
    throw InputError("'" + status_ + "' holds no batch (no " + paths.manifest() + ")");
  std::vector<std::string> names;
  for (const auto& line : manifest_lines(read_text(paths.manifest(), "job list"))) names.push_back(output_word(line.words));
  const auto statuses = job_statuses(paths, names, owner_alive_check());
  write_failed_json(paths);
  std::cout << paths.out << ": " << status_summary(statuses) << "\n" << status_table(statuses);
  return 0;
}

}  // namespace impasto
