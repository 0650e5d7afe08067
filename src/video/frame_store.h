#pragma once
#include <opencv2/core.hpp>

#include <string>

#include <nlohmann/json.hpp>

namespace impasto {

// The painted frames of a video run, as numbered PNGs (frame_00001.png, ...) each with a JSON
// record, in one folder that also holds the run's fingerprint (run.json). A frame is painted into a
// staging file, then its record is written and the staging file renamed to the frame's name, so a
// frame counts as finished once its image exists. A
// store opened with the same fingerprint continues after the finished frames; with another
// fingerprint, the old frames are removed.
class FrameStore {
 public:
  // Creates the folder when missing; throws InputError when it cannot.
  FrameStore(std::string folder, const nlohmann::json& fingerprint);
  // Whether `folder` holds a store made with this fingerprint (its frames would be continued).
  static bool holds(const std::string& folder, const nlohmann::json& fingerprint);
  // How many frames, from the first, are finished.
  int finished() const { return finished_; }
  // Whether frame `index` is finished (a store filled in another order than from the first).
  bool has(int index) const;
  std::string image_path(int index) const;  // index from 0
  cv::Mat read_image(int index) const;      // 8-bit BGR
  nlohmann::json read_record(int index) const;
  // Where frame `index` is painted before it is committed.
  std::string staging_path(int index) const;
  void write_record(int index, const nlohmann::json& record);
  // Renames the staged image to the frame's name (after write_record).
  void commit_image(int index);
  // Deletes the frames, the records, staged images, the fingerprint and the folder (when then empty).
  void remove();
  const std::string& folder() const { return folder_; }

 private:
  std::string record_path(int index) const;
  std::string folder_;
  int finished_ = 0;
};

}  // namespace impasto
