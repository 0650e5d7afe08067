#pragma once
#include <functional>
#include <string>

#include <opencv2/core.hpp>

namespace impasto {

// Throws InputError unless `path` is an .mp4 in an existing folder where this process can create files.
void check_video_output(const std::string& path);

// Writes the mp4 at `path` from `frames` 8-bit BGR frames (frame(i) gives the i-th), with the audio of
// `audio_source` (see mux_with_audio). Nothing is left at `path` or beside it when it fails. Returns
// the audio's description.
std::string write_video(const std::string& path, int frames, const std::function<cv::Mat(int)>& frame, double fps,
                        const std::string& audio_source);

}  // namespace impasto
