#include "batch/job_list.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>

#include "impasto/errors.h"

namespace impasto::batch {
namespace fs = std::filesystem;
namespace {

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::vector<std::string> known = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};
  return std::find(known.begin(), known.end(), ext) != known.end();
}

std::string safe_stem(const std::string& path) {
  std::string stem = fs::path(path).stem().string();
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return stem;
}

const GivenOption* find(const GivenOptions& options, const std::string& name) {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace

std::vector<std::string> option_words(const GivenOptions& options) {
  std::vector<std::string> words;
  for (const auto& o : options) {
    if (o.values.empty()) words.push_back(o.name);
    for (const auto& v : o.values) {
      words.push_back(o.name);
      words.push_back(v);
    }
  }
  return words;
}

std::vector<std::string> image_files(const std::vector<std::string>& paths, const std::string& role) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path, error))
        if (entry.is_regular_file(error) && is_image_name(entry.path())) found.push_back(entry.path().string());
      if (found.empty())
        throw InputError(role + " folder '" + path + "' holds no images (.jpg, .jpeg, .png, .bmp, .tif, .tiff, .webp)");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, error)) {
      files.push_back(path);
    } else {
      throw InputError(role + " '" + path + "': no such file or folder");
    }
  }
  return files;
}

std::string output_name(const std::string& content, const std::vector<std::string>& styles,
                        const std::string& extension) {
  std::string name = content.empty() ? "texture" : safe_stem(content);
  for (size_t i = 0; i < styles.size(); ++i) name += (i == 0 ? "__" : "+") + safe_stem(styles[i]);
  return name + "." + extension;
}

std::vector<BatchJob> pair_jobs(const std::vector<std::string>& contents, const std::vector<std::string>& styles,
                                const GivenOptions& common, const std::string& extension) {
  std::vector<BatchJob> jobs;
  for (const auto& content : contents)
    for (const auto& style : styles) {
      BatchJob job;
      job.name = output_name(content, {style}, extension);
      job.options = {{"--content", {content}}, {"--style", {style}}, {"--output", {job.name}}};
      job.options.insert(job.options.end(), common.begin(), common.end());
      jobs.push_back(std::move(job));
    }
  return jobs;
}

BatchJob manifest_job(const GivenOptions& line, const GivenOptions& common, const std::string& extension,
                      const std::string& where) {
  BatchJob job;
  job.options = line;
  for (const auto& o : common)
    if (!find(line, o.name)) job.options.push_back(o);
  const GivenOption* content = find(job.options, "--content");
  const GivenOption* styles = find(job.options, "--style");
  if (!content || content->values.empty()) throw InputError(where + ": --content is required");
  if (!styles || styles->values.empty()) throw InputError(where + ": --style is required");
  auto output = std::find_if(job.options.begin(), job.options.end(), [](const auto& o) { return o.name == "--output"; });
  if (output == job.options.end() || output->values.empty()) {
    job.name = output_name(content->values.back(), styles->values, extension);
    if (output != job.options.end()) job.options.erase(output);
    job.options.push_back({"--output", {job.name}});
  } else {
    job.name = output->values.back();
    output->values = {job.name};
    if (job.name.find('/') != std::string::npos || job.name == "." || job.name == "..")
      throw InputError(where + ": --output '" + job.name + "' must be a file name (it is written into the batch folder)");
  }
  return job;
}

void check_unique_names(const std::vector<BatchJob>& jobs) {
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto [it, inserted] = seen.emplace(jobs[i].name, i);
    if (!inserted)
      throw InputError("jobs " + std::to_string(it->second + 1) + " and " + std::to_string(i + 1) +
                       " would both write '" + jobs[i].name + "' (two images with the same name in different folders "
                       "or formats? rename one, or name the outputs in a --manifest)");
  }
}

std::string quote_word(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string("/._-+,:=@%").find(static_cast<char>(c)) != std::string::npos;
  });
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '\'' || c == '"') {
      const size_t end = line.find(c, i + 1);
      if (end == std::string::npos) throw InputError(std::string("unterminated ") + c + " quote");
      word += line.substr(i + 1, end - i - 1);
      in_word = true;
      i = end;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

std::string manifest_text(const std::vector<BatchJob>& jobs, const std::string& header) {
  std::ostringstream text;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) text << "# " << line << "\n";
  for (const auto& job : jobs) {
    const auto words = option_words(job.options);
    for (size_t i = 0; i < words.size(); ++i) text << (i ? " " : "") << quote_word(words[i]);
    text << "\n";
  }
  return text.str();
}

std::vector<ManifestLine> manifest_lines(const std::string& text) {
  std::vector<ManifestLine> lines;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    try {
      lines.push_back({number, split_words(line)});
    } catch (const InputError& e) {
      throw InputError("manifest line " + std::to_string(number) + ": " + e.what());
    }
  }
  return lines;
}

std::string output_word(const std::vector<std::string>& words) {
  std::string output;
  for (size_t i = 0; i < words.size(); ++i) {
    if ((words[i] == "--output" || words[i] == "-o") && i + 1 < words.size()) output = words[i + 1];
    else if (words[i].rfind("--output=", 0) == 0) output = words[i].substr(9);
  }
  return output;
}

int chunk_count(int jobs, int per_task) { return per_task <= 0 ? 0 : (jobs + per_task - 1) / per_task; }

std::vector<int> chunk_jobs(int chunk, int jobs, int per_task) {
  std::vector<int> indices;
  for (int i = chunk * per_task; i < std::min(jobs, (chunk + 1) * per_task); ++i) indices.push_back(i);
  return indices;
}

std::string array_spec(const std::vector<int>& tasks, int limit) {
  std::string spec;
  for (size_t i = 0; i < tasks.size();) {
    size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    if (!spec.empty()) spec += ",";
    spec += std::to_string(tasks[i]);
    if (j > i) spec += "-" + std::to_string(tasks[j]);
    i = j + 1;
  }
  if (limit > 0) spec += "%" + std::to_string(limit);
  return spec;
}

}  // namespace impasto::batch
