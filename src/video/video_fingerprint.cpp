#include "video/video_fingerprint.h"

namespace impasto {

nlohmann::json video_fingerprint(const VideoOptions& o) {
  Options frame = o.frame;
  frame.output.clear(), frame.report.clear(), frame.threads = 0, frame.print_every = 0;
  return {{"frame", frame},
          {"frame_iterations", o.frame_iterations},
          {"temporal_weight", o.temporal_weight},
          {"temporal_frames", o.temporal_frames},
          {"flow", o.flow},
          {"first_frame", o.first_frame}};
}

}  // namespace impasto
