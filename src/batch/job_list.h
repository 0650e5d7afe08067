#pragma once
// The jobs of a batch: which stylize runs, under which output names, in which array task.
#include <string>
#include <vector>

namespace impasto::batch {

// One option as given on a command line: {"--size", {"128"}}; a flag has no values. A repeated
// option (or one whose values were comma-separated) holds each value, and is written back as
// one "--name value" pair per value.
struct GivenOption {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const GivenOption& other) const { return name == other.name && values == other.values; }
};
using GivenOptions = std::vector<GivenOption>;

// The command-line words of these options, in order.
std::vector<std::string> option_words(const GivenOptions& options);

struct BatchJob {
  std::string name;       // the output file, inside the batch folder: "tubingen__starry_night.png"
  GivenOptions options;   // its `impasto stylize` options; --output holds `name`
};

// Image files among these paths: a folder gives its images (by extension, sorted by name, not
// recursive), a file is taken as it is. Throws InputError for a missing path or a folder without
// images.
std::vector<std::string> image_files(const std::vector<std::string>& paths, const std::string& role);

// "<content stem>__<style stem>[+<style stem>...].<extension>"; characters other than letters,
// digits, '.', '-' and '_' become '_'.
std::string output_name(const std::string& content, const std::vector<std::string>& styles,
                        const std::string& extension);

// Every content × style pair, contents in the outer loop, each with the common options.
std::vector<BatchJob> pair_jobs(const std::vector<std::string>& contents, const std::vector<std::string>& styles,
                                const GivenOptions& common, const std::string& extension);

// A manifest line's options over the common ones (an option the line names replaces the common
// one). Its --output is a file name inside the batch folder; without one, output_name().
// Throws InputError (prefixed with `where`) for a line without --content or --style.
BatchJob manifest_job(const GivenOptions& line, const GivenOptions& common, const std::string& extension,
                      const std::string& where);

// Throws InputError naming the first output name two jobs share.
void check_unique_names(const std::vector<BatchJob>& jobs);

// Shell quoting of one word (only where needed) and the inverse: a line split into words, with
// '...' and "..." quotes and backslash escapes. Throws InputError for an unterminated quote.
std::string quote_word(const std::string& word);
std::vector<std::string> split_words(const std::string& line);

// The job list as a manifest: a comment header, then one job per line (its options, quoted).
std::string manifest_text(const std::vector<BatchJob>& jobs, const std::string& header);
// The lines of a manifest as words, blank lines and '#' comments left out, with their line numbers.
struct ManifestLine {
  int number;
  std::vector<std::string> words;
};
std::vector<ManifestLine> manifest_lines(const std::string& text);
// The value of the last --output / -o among these words ("" when none).
std::string output_word(const std::vector<std::string>& words);

// Array tasks: task k takes jobs [k * per_task, (k + 1) * per_task).
int chunk_count(int jobs, int per_task);
std::vector<int> chunk_jobs(int chunk, int jobs, int per_task);
// Slurm's --array value for these task indices: ranges compressed ("0-2,5"), "%limit" when limit > 0.
std::string array_spec(const std::vector<int>& tasks, int limit);

}  // namespace impasto::batch
