#include "transfer/schedule.h"

#include <string>

#include "impasto/errors.h"

namespace impasto {

std::vector<int> scale_sizes(const std::vector<int>& scales, int size) {
  if (scales.empty()) return {size};
  std::vector<int> sizes;
  if (scales.size() == 1) {
    const int count = scales[0];
    if (count < 1) throw InputError("--scales must be a number of scales (1 or more) or a list of sizes, got " +
                                    std::to_string(count));
    for (int i = count - 1; i >= 0; --i) {
      const int scaled = i >= 31 ? 0 : size >> i;
      if (scaled < kMinScaleSize)
        throw InputError("--scales " + std::to_string(count) + ": the coarsest scale of a " + std::to_string(size) +
                         " px output would be below " + std::to_string(kMinScaleSize) + " px");
      sizes.push_back(scaled);
    }
    return sizes;
  }
  for (size_t i = 0; i < scales.size(); ++i) {
    if (scales[i] < kMinScaleSize)
      throw InputError("--scales: size " + std::to_string(scales[i]) + " is below " + std::to_string(kMinScaleSize) +
                       " px");
    if (i > 0 && scales[i] <= scales[i - 1]) throw InputError("--scales: sizes must ascend");
  }
  if (scales.back() != size)
    throw InputError("--scales: the last size (" + std::to_string(scales.back()) + ") must be the output --size (" +
                     std::to_string(size) + ")");
  return scales;
}

}  // namespace impasto
