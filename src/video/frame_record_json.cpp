#include "video/frame_record_json.h"

namespace impasto {

nlohmann::json record_json(const FrameRecord& r) {
  nlohmann::json losses = nlohmann::json::object();
  for (const auto& [name, value] : r.losses) losses[name] = value;
  return {{"frame", r.frame},           {"iterations", r.iterations}, {"losses", losses},
          {"seconds", r.seconds},       {"warp_error", r.warp_error}, {"flow_residual", r.flow_residual},
          {"scene_cut", r.scene_cut}};
}

FrameRecord record_from_json(const nlohmann::json& j) {
  FrameRecord r;
  r.frame = j.value("frame", 0);
  r.iterations = j.value("iterations", 0);
  r.seconds = j.value("seconds", 0.0);
  r.warp_error = j.value("warp_error", 0.0);
  r.flow_residual = j.value("flow_residual", 0.0);
  r.scene_cut = j.value("scene_cut", false);
  if (j.contains("losses"))
    for (const auto& [name, value] : j["losses"].items()) r.losses.emplace_back(name, value.get<double>());
  r.resumed = true;
  return r;
}

}  // namespace impasto
