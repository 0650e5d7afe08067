#include "image/masks.h"

#include <torch/torch.h>

#include <cstdio>
#include <map>

#include "image/image_io.h"

namespace impasto {

torch::Tensor load_mask(const std::string& path, const std::string& role) {
  return load_image(path, role).mean(1, /*keepdim=*/true);
}

torch::Tensor resize_mask(const torch::Tensor& mask, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  if (mask.size(2) == height && mask.size(3) == width) return mask;
  if (height <= mask.size(2) && width <= mask.size(3))
    return F::adaptive_avg_pool2d(mask, F::AdaptiveAvgPool2dFuncOptions({height, width}));
  return F::interpolate(mask, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{height, width})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
}

namespace {

// [H*W, 3] integer colours 0..255.
torch::Tensor colour_pixels(const torch::Tensor& map) {
  return map.detach().to(torch::kCPU, torch::kFloat).squeeze(0).reshape({3, -1}).t().mul(255).round().to(torch::kInt);
}

}  // namespace

std::vector<Colour> map_palette(const torch::Tensor& map, double min_share) {
  const torch::Tensor pixels = colour_pixels(map).contiguous();
  const int64_t count = pixels.size(0);
  const int* data = pixels.data_ptr<int>();
  std::map<int, int64_t> histogram;
  for (int64_t i = 0; i < count; ++i) ++histogram[(data[3 * i] << 16) | (data[3 * i + 1] << 8) | data[3 * i + 2]];
  std::vector<Colour> palette;
  for (const auto& [packed, n] : histogram)
    if (n >= min_share * count)
      palette.push_back({static_cast<uint8_t>(packed >> 16), static_cast<uint8_t>(packed >> 8), static_cast<uint8_t>(packed)});
  return palette;
}

torch::Tensor colour_region(const torch::Tensor& map, const std::vector<Colour>& palette, const Colour& colour) {
  const torch::Tensor pixels = colour_pixels(map).to(torch::kFloat);
  std::vector<float> values;
  for (const auto& c : palette) values.insert(values.end(), {float(c[0]), float(c[1]), float(c[2])});
  const torch::Tensor centres = torch::tensor(values).view({-1, 3});
  const torch::Tensor nearest = torch::cdist(pixels, centres).argmin(1);
  int64_t index = -1;
  for (size_t i = 0; i < palette.size(); ++i)
    if (palette[i] == colour) index = static_cast<int64_t>(i);
  return (nearest == index).to(torch::kFloat).view({1, 1, map.size(2), map.size(3)}).to(map.device());
}

std::string colour_name(const Colour& colour) {
  char name[8];
  std::snprintf(name, sizeof name, "#%02x%02x%02x", colour[0], colour[1], colour[2]);
  return name;
}

}  // namespace impasto
