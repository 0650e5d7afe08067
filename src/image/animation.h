#pragma once
#include <torch/types.h>

#include <memory>
#include <string>

namespace impasto {

// An animation of a run's snapshots (--animate): .gif through our own encoder, .mp4 (H.264, or
// MPEG-4 part 2 where no H.264 encoder is available) through OpenCV's FFmpeg backend. The file is
// written under a temporary name and moved into place by finish(), so an interrupted run leaves none.
class AnimationWriter {
 public:
  // Throws InputError for an unsupported extension, a missing directory or an encoder that fails.
  static std::unique_ptr<AnimationWriter> open(const std::string& path, int64_t width, int64_t height,
                                               double frames_per_second);
  virtual ~AnimationWriter() = default;
  // image: [1,3,H,W] RGB 0..1 (clamped), the size given to open().
  virtual void add(const torch::Tensor& image) = 0;
  virtual void finish() = 0;
};

// Throws InputError when open() would refuse this path, before any work is done.
void check_animation_path(const std::string& path);

}  // namespace impasto
