#include "image/guided_smoothing.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <opencv2/ximgproc/edge_filter.hpp>

#include "image/float_mat.h"
#include "impasto/errors.h"

namespace impasto {
namespace {

double parse_number(const std::string& text, const std::string& spec) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(x))
    throw InputError("--smooth '" + spec + "': '" + text + "' is not a number");
  return x;
}

constexpr double kMaxEps = 255.0 * 255.0;

}  // namespace

std::optional<GuidedSmoothing> parse_smoothing(const std::string& spec) {
  if (spec.empty()) return std::nullopt;
  const size_t colon = spec.find(':');
  if (spec.substr(0, colon) != "guided")
    throw InputError("--smooth must be guided[:R,EPS] (e.g. guided:35,1e-3), got '" + spec + "'");
  GuidedSmoothing smoothing;
  if (colon == std::string::npos) return smoothing;
  const std::string values = spec.substr(colon + 1);
  const size_t comma = values.find(',');
  const double radius = parse_number(values.substr(0, comma), spec);
  if (radius < 1 || radius > 1000 || radius != std::floor(radius))
    throw InputError("--smooth '" + spec + "': the radius R must be a whole number of pixels from 1 to 1000");
  smoothing.radius = static_cast<int>(radius);
  if (comma != std::string::npos) {
    smoothing.eps = parse_number(values.substr(comma + 1), spec);
    if (smoothing.eps <= 0 || smoothing.eps > kMaxEps)
      throw InputError("--smooth '" + spec + "': EPS must be in (0, 65025] (squared 0..255 grey levels)");
  }
  return smoothing;
}

torch::Tensor guided_smooth(const torch::Tensor& image, const torch::Tensor& guide, const GuidedSmoothing& smoothing) {
  // In 0..255 units, as OpenCV filters FastPhotoStyle's 8-bit images: EPS means what it means there.
  // (In 0..1 units OpenCV also treats covariance determinants under 1e-6 as singular, which blurs
  // every flat area of a photo into a haze.)
  const torch::Tensor scaled_guide = guide * 255.0, scaled_image = image * 255.0;
  cv::Mat smoothed;
  cv::ximgproc::guidedFilter(to_float_mat(scaled_guide), to_float_mat(scaled_image), smoothed, smoothing.radius,
                             smoothing.eps);
  return (from_float_mat(smoothed) / 255.0).to(image.options());
}

}  // namespace impasto
