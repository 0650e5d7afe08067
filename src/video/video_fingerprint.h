#pragma once
#include <nlohmann/json.hpp>

#include "impasto/video.h"

namespace impasto {

// What decides a video run's painted pixels: a frame store opened with the same fingerprint continues
// its earlier frames (frame i depends on frames 0..i alone, so a longer --max-frames continues too).
nlohmann::json video_fingerprint(const VideoOptions& options);

}  // namespace impasto
