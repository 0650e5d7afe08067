#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace impasto::server {

// The studio's list of jobs, kept beside the results in the output directory, so that a server
// started again after a crash (or kill -9, or a power cut) still lists the results it wrote and
// says which jobs it lost. One JSON file, replaced atomically on every change of a job's status.
class JobJournal {
 public:
  explicit JobJournal(std::filesystem::path output_dir);

  // The jobs recorded by the last server run on this directory: a JSON array, empty when there is
  // no journal or it cannot be read (a note goes to stderr for the latter).
  nlohmann::json load() const;
  // Replaces the journal. A failure (a full disk) is reported on stderr once and otherwise ignored:
  // the jobs themselves go on.
  void save(const nlohmann::json& jobs);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool warned_ = false;
};

// Removes the temporary files that an interrupted atomic write of a studio file left in the
// output directory (".impasto-….tmpPID…", written by a process that no longer runs).
void remove_stale_temporaries(const std::filesystem::path& output_dir);

}  // namespace impasto::server
