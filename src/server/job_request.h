#pragma once
#include <nlohmann/json_fwd.hpp>

#include "server/job_queue.h"
#include "server/serve.h"
#include "server/upload_store.h"

namespace impasto::server {

// Turns the page's job request into a JobSpec:
//   {"kind": "image" (the default), "content": upload id, "styles": [{"image": upload id, "weight": 1}, ...],
//    "model": "squeezenet", "size": 512, "iterations": 300, "content_weight": 1, "style_weight": 100, "tv_weight": 1}
//   {"kind": "video", "content": clip id, "styles": as above, ..., "frame_iterations": 30,
//    "temporal_weight": 1000, "max_frames": all}
//   {"kind": "audio", "style": sound id, "content": sound id (optional), "iterations": 100,
//    "content_weight": 1, "style_weight": 1, "duration": seconds (a texture's; default the style's)}
// Left-out values are the command line's defaults (Options, VideoOptions, AudioOptions), within
// the server's limits. Files are named only by the ids the upload store gave out. Checks the server's limits, the
// options (impasto::validate) and that the network's weights are installed; throws InputError
// with a message for the page.
JobSpec parse_job_request(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits);

// Networks the page offers: [{"name", "label", "available", "detail"}].
nlohmann::json available_models(const std::string& model_dir);

}  // namespace impasto::server
