#include "batch/job_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "models/run_program.h"

namespace impasto::batch {
namespace fs = std::filesystem;
namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

nlohmann::json read_record(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  const auto record = nlohmann::json::parse(in, nullptr, false);
  return record.is_object() ? record : nlohmann::json(nullptr);
}

void write_record(const BatchPaths& paths, const std::string& job, nlohmann::json record) {
  write_file_atomically(paths.record(job), record.dump(2) + "\n");
}

std::string owner_text(const nlohmann::json& record) {
  std::string text = record.value("host", "?") + " pid " + std::to_string(record.value("pid", 0));
  if (!record.value("slurm_job", "").empty()) text += ", Slurm task " + record.value("slurm_job", "");
  return text + ", since " + record.value("since", "?");
}

// Slurm tasks (as "123_4" or "123") that squeue still lists, or an empty set without squeue.
std::set<std::string> listed_slurm_tasks(const std::set<std::string>& tasks) {
  std::set<std::string> listed;
  if (tasks.empty()) return listed;
  std::string ids;
  for (const auto& t : tasks) ids += (ids.empty() ? "" : ",") + t;
  std::string output;
  if (run_program_output({"squeue", "-h", "-r", "-o", "%i", "-j", ids}, output) != 0) return listed;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) listed.insert(line);
  return listed;
}

}  // namespace

void create_folders(const BatchPaths& paths) {
  std::error_code error;
  for (const auto& folder : {paths.out, paths.state(), paths.logs()}) {
    fs::create_directories(folder, error);
    if (!fs::is_directory(folder)) throw InputError("cannot create the folder '" + folder + "'");
  }
}

nlohmann::json this_process() {
  std::string slurm_job;
  const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* job = std::getenv("SLURM_JOB_ID");
  if (array_job && array_task) slurm_job = std::string(array_job) + "_" + array_task;
  else if (job) slurm_job = job;
  return {{"host", host_name()}, {"pid", static_cast<int>(::getpid())}, {"slurm_job", slurm_job}};
}

void mark_running(const BatchPaths& paths, const std::string& job) {
  nlohmann::json record = this_process();
  record["state"] = "running";
  record["since"] = now_text();
  write_record(paths, job, record);
}

void mark_failed(const BatchPaths& paths, const std::string& job, const std::string& error) {
  nlohmann::json record = this_process();
  record["state"] = "failed";
  record["error"] = error;
  record["since"] = now_text();
  write_record(paths, job, record);
}

void clear_record(const BatchPaths& paths, const std::string& job) {
  std::error_code error;
  fs::remove(paths.record(job), error);
}

OwnerAlive owner_alive_check() {
  const std::string here = host_name();
  const std::string own_task = this_process().value("slurm_job", "");
  // squeue is asked once, for every task seen on another host, the first time one is needed.
  auto slurm_listed = std::make_shared<std::map<std::string, bool>>();
  return [here, own_task, slurm_listed](const nlohmann::json& record) {
    const std::string task = record.value("slurm_job", "");
    if (!own_task.empty() && task == own_task) return false;
    if (record.value("host", "") == here) {
      const int pid = record.value("pid", 0);
      return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
    }
    if (task.empty()) return false;
    auto found = slurm_listed->find(task);
    if (found == slurm_listed->end()) {
      const auto listed = listed_slurm_tasks({task});
      found = slurm_listed->emplace(task, listed.count(task) > 0).first;
    }
    return found->second;
  };
}

const char* state_name(State state) {
  switch (state) {
    case State::done: return "done";
    case State::running: return "running";
    case State::failed: return "failed";
    case State::left: return "left";
  }
  return "?";
}

std::vector<JobStatus> job_statuses(const BatchPaths& paths, const std::vector<std::string>& jobs,
                                    const OwnerAlive& alive) {
  std::vector<JobStatus> statuses;
  for (const auto& name : jobs) {
    JobStatus status{name, State::left, ""};
    std::error_code error;
    const auto record = read_record(paths.record(name));
    if (fs::exists(paths.output(name), error)) {
      status.state = State::done;
    } else if (record.is_object() && record.value("state", "") == "failed") {
      status.state = State::failed;
      status.detail = record.value("error", "");
    } else if (record.is_object() && record.value("state", "") == "running") {
      if (alive(record)) {
        status.state = State::running;
        status.detail = owner_text(record);
      } else {
        status.detail = "interrupted (" + owner_text(record) + ")";
      }
    }
    statuses.push_back(status);
  }
  return statuses;
}

std::string status_summary(const std::vector<JobStatus>& statuses) {
  std::map<State, int> count;
  for (const auto& s : statuses) ++count[s.state];
  std::ostringstream text;
  text << statuses.size() << " jobs: " << count[State::done] << " done, " << count[State::running] << " running, "
       << count[State::failed] << " failed, " << count[State::left] << " left";
  return text.str();
}

std::string status_table(const std::vector<JobStatus>& statuses) {
  size_t width = 3;
  for (const auto& s : statuses) width = std::max(width, s.name.size());
  std::ostringstream text;
  for (const auto& s : statuses) {
    std::string line = s.name + std::string(width + 2 - s.name.size(), ' ') + state_name(s.state);
    if (!s.detail.empty()) line += std::string(9 - std::string(state_name(s.state)).size(), ' ') + s.detail;
    text << line << "\n";
  }
  return text.str();
}

void write_failed_json(const BatchPaths& paths) {
  const std::string lock_path = paths.folder() + "/failed.lock";
  const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);  // where the file system cannot lock, --status rebuilds it
  nlohmann::json failed = nlohmann::json::array();
  std::error_code error;
  std::vector<fs::path> records;
  for (const auto& entry : fs::directory_iterator(paths.state(), error))
    if (entry.path().extension() == ".json") records.push_back(entry.path());
  std::sort(records.begin(), records.end());
  for (const auto& path : records) {
    const auto record = read_record(path.string());
    if (!record.is_object() || record.value("state", "") != "failed") continue;
    const std::string job = path.stem().string();
    if (fs::exists(paths.output(job), error)) continue;
    failed.push_back({{"job", job},
                      {"error", record.value("error", "")},
                      {"host", record.value("host", "")},
                      {"slurm_job", record.value("slurm_job", "")},
                      {"when", record.value("since", "")}});
  }
  try {
    if (failed.empty()) fs::remove(paths.failed_json(), error);
    else write_file_atomically(paths.failed_json(), nlohmann::json{{"failed", failed}}.dump(2) + "\n");
  } catch (...) {
    if (lock >= 0) ::close(lock);
    throw;
  }
  if (lock >= 0) ::close(lock);
}

void remove_partial_outputs(const BatchPaths& paths, const std::string& job) {
  const fs::path output(paths.output(job));
  const std::string prefix = "." + output.stem().string() + ".tmp";
  std::error_code error;
  std::vector<fs::path> partial;
  for (const auto& entry : fs::directory_iterator(output.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = output.extension().string();
    if (name.size() <= prefix.size() + ext.size() || name.rfind(prefix, 0) != 0 || entry.path().extension() != ext)
      continue;
    const std::string pid = name.substr(prefix.size(), name.size() - prefix.size() - ext.size());
    if (std::all_of(pid.begin(), pid.end(), [](unsigned char c) { return std::isdigit(c); })) partial.push_back(entry.path());
  }
  for (const auto& path : partial) fs::remove(path, error);
}

}  // namespace impasto::batch
