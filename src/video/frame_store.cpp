#include "video/frame_store.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFingerprint = "run.json";

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
  for (int i = 0; fs::exists(image_path(i), error) || fs::exists(record_path(i), error); ++i) {
    fs::remove(image_path(i), error);
    fs::remove(record_path(i), error);
  }
  write_file_atomically(marker.string(), fingerprint.dump(2) + "\n");
}

bool FrameStore::holds(const std::string& folder, const nlohmann::json& fingerprint) {
  std::error_code error;
  const fs::path marker = fs::path(folder) / kFingerprint;
  return fs::exists(marker, error) && read_json(marker) == fingerprint;
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
  for (int i = 0; fs::exists(image_path(i), error) || fs::exists(record_path(i), error); ++i) {
    fs::remove(image_path(i), error);
    fs::remove(record_path(i), error);
  }
  for (const auto& entry : fs::directory_iterator(folder_, error))
    if (entry.path().filename().string().rfind(".frame_", 0) == 0) fs::remove(entry.path(), error);
  fs::remove(fs::path(folder_) / kFingerprint, error);
  fs::remove(folder_, error);  // only when empty
}

}  // namespace impasto
