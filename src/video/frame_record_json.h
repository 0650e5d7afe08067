#pragma once
#include <nlohmann/json.hpp>

#include "impasto/video.h"

namespace impasto {

// A painted frame's record as the frame store and --report keep it, and back (marked resumed).
nlohmann::json record_json(const FrameRecord& record);
FrameRecord record_from_json(const nlohmann::json& json);

}  // namespace impasto
