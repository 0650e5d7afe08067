#include "video/frame_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <vector>
#include <opencv2/imgcodecs.hpp>

#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFingerprint = "run.json";

// A frame's image, record or staged image, as this store names them (frame_00001.png,
// frame_00001.json, .frame_00001.painting.png); nothing else in the folder is touched.
bool is_frame_file(const fs::path& path) {
  static const std::regex names(R"(frame_\d{5,}\.(png|json)|\.frame_\d{5,}\.painting\.png)");
  return std::regex_match(path.filename().string(), names);
}

void remove_frame_files(const std::string& folder) {
  std::error_code error;
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (is_frame_file(entry.path())) doomed.push_back(entry.path());
  for (const auto& path : doomed) fs::remove(path, error);
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);  // discarded (not an exception) when damaged
}

}  // namespace

FrameStore::FrameStore(std::string folder, const nlohmann::json& fingerprint) : folder_(std::move(folder)) {
  std::error_code error;
  fs::create_directories(folder_, error);
  if (!fs::is_directory(folder_, error)) throw InputError("cannot create the frames folder '" + folder_ + "'");
  const fs::path marker = fs::path(folder_) / kFingerprint;
  if (holds(folder_, fingerprint)) {
    while (fs::exists(image_path(finished_), error) && fs::exists(record_path(finished_), error)) ++finished_;
    return;
  }
  remove_frame_files(folder_);
  write_file_atomically(marker.string(), fingerprint.dump(2) + "\n");
}

bool FrameStore::holds(const std::string& folder, const nlohmann::json& fingerprint) {
  std::error_code error;
  const fs::path marker = fs::path(folder) / kFingerprint;
  return fs::exists(marker, error) && read_json(marker) == fingerprint;
}

bool FrameStore::has(int index) const {
  std::error_code error;
  return fs::exists(image_path(index), error) && fs::exists(record_path(index), error);
}

std::string FrameStore::image_path(int index) const {
  char name[32];
  std::snprintf(name, sizeof name, "frame_%05d.png", index + 1);
  return (fs::path(folder_) / name).string();
}

std::string FrameStore::record_path(int index) const {
  char name[32];
  std::snprintf(name, sizeof name, "frame_%05d.json", index + 1);
  return (fs::path(folder_) / name).string();
}

cv::Mat FrameStore::read_image(int index) const {
  cv::Mat image = cv::imread(image_path(index), cv::IMREAD_COLOR);
  if (image.empty()) throw InputError("cannot read the painted frame '" + image_path(index) + "'");
  return image;
}

nlohmann::json FrameStore::read_record(int index) const { return read_json(record_path(index)); }

std::string FrameStore::staging_path(int index) const {
  char name[40];
  std::snprintf(name, sizeof name, ".frame_%05d.painting.png", index + 1);
  return (fs::path(folder_) / name).string();
}

void FrameStore::write_record(int index, const nlohmann::json& record) {
  write_file_atomically(record_path(index), record.dump() + "\n");
}

void FrameStore::commit_image(int index) {
  std::error_code error;
  fs::rename(staging_path(index), image_path(index), error);
  if (error) throw InputError("cannot write '" + image_path(index) + "': " + error.message());
  finished_ = std::max(finished_, index + 1);
}

void FrameStore::remove() {
  std::error_code error;
  remove_frame_files(folder_);
  fs::remove(fs::path(folder_) / kFingerprint, error);
  fs::remove(folder_, error);  // only when empty
}

}  // namespace impasto
