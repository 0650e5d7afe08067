#include "server/job_journal.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>

#include "image/image_io.h"
#include "server/bytes.h"

namespace impasto::server {
namespace fs = std::filesystem;
namespace {

bool process_runs(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

JobJournal::JobJournal(fs::path output_dir) : path_(std::move(output_dir) / ".impasto-studio-jobs.json") {}

nlohmann::json JobJournal::load() const {
  const auto text = read_bytes(path_);
  if (!text) return nlohmann::json::array();
  nlohmann::json journal = nlohmann::json::parse(*text, nullptr, false);
  if (journal.is_object() && journal["jobs"].is_array()) return journal["jobs"];
  std::fprintf(stderr, "impasto serve: note: %s is damaged; starting with an empty job list\n", path_.c_str());
  return nlohmann::json::array();
}

void JobJournal::save(const nlohmann::json& jobs) {
  try {
    write_file_atomically(path_.string(), nlohmann::json{{"jobs", jobs}}.dump(-1, ' ', false,
                                                                            nlohmann::json::error_handler_t::replace));
    warned_ = false;
  } catch (const std::exception& e) {
    if (!warned_) std::fprintf(stderr, "impasto serve: warning: cannot record the job list: %s\n", e.what());
    warned_ = true;
  }
}

void remove_stale_temporaries(const fs::path& output_dir) {
  static const std::regex temporary(R"(\.impasto-.*\.tmp([0-9]{1,9})(\.[A-Za-z]+)?)");
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(output_dir, error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, match, temporary) || !entry.is_regular_file(error)) continue;
    if (!process_runs(std::stol(match[1]))) fs::remove(entry.path(), error);
  }
}

}  // namespace impasto::server
