#pragma once
#include <array>
#include <string>

namespace impasto {

// How a network's weights expect to be fed an image. The image is RGB in 0..1; the first layer sees,
// per channel c in the fed order (RGB, or BGR when bgr is set),
//   (image[c] * range - mean[c]) / stddev[c].
// The presets (src/weights/input_convention.h): caffe (BGR, 0..255, minus mean), torchvision (RGB,
// 0..1, minus mean, divided by std) and matconvnet (RGB, 0..255, minus mean).
struct InputConvention {
  std::string name;                     // caffe | torchvision | matconvnet
  bool bgr = true;                      // channel order fed to the first layer
  double range = 255;                   // the 0..1 image is multiplied by this
  std::array<double, 3> mean{};         // then this is subtracted, in the fed channel order
  std::array<double, 3> stddev{1, 1, 1};  // and the difference divided by this

  bool operator==(const InputConvention& o) const {
    return name == o.name && bgr == o.bgr && range == o.range && mean == o.mean && stddev == o.stddev;
  }
  bool operator!=(const InputConvention& o) const { return !(*this == o); }
};

}  // namespace impasto
