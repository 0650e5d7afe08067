#include "image/post_filters.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <stdexcept>

#include "image/colour.h"
#include "image/float_mat.h"
#include "impasto/errors.h"
#include "impasto/options.h"

namespace impasto {
namespace {

constexpr const char* kKinds = "match-colors, luminance, sharpen[:AMOUNT], denoise[:H] or strength:X";

PostFilter parse_one(const std::string& spec) {
  const size_t colon = spec.find(':');
  PostFilter filter{spec.substr(0, colon), 0};
  const bool has_value = colon != std::string::npos;
  auto bad = [&](const std::string& why) { return InputError("--post '" + spec + "': " + why); };
  if (filter.kind == "match-colors" || filter.kind == "luminance") {
    if (has_value) throw bad(filter.kind + " takes no value");
    return filter;
  }
  if (filter.kind != "sharpen" && filter.kind != "denoise" && filter.kind != "strength")
    throw InputError("--post: unknown filter '" + spec + "' (use " + kKinds + ")");
  if (!has_value) {
    if (filter.kind == "strength") throw bad("strength needs a value, e.g. strength:0.7");
    filter.amount = filter.kind == "sharpen" ? 0.5 : 5.0;
    return filter;
  }
  const std::string text = spec.substr(colon + 1);
  char* end = nullptr;
  filter.amount = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(filter.amount)) throw bad("'" + text + "' is not a number");
  if (filter.kind == "strength" && (filter.amount < 0 || filter.amount > 1)) throw bad("strength must be in 0..1");
  if (filter.kind == "sharpen" && (filter.amount <= 0 || filter.amount > 10)) throw bad("AMOUNT must be in (0, 10]");
  if (filter.kind == "denoise" && (filter.amount <= 0 || filter.amount > 100)) throw bad("H must be in (0, 100]");
  return filter;
}

torch::Tensor sharpen(const torch::Tensor& image, double amount) {
  cv::Mat blurred;
  cv::GaussianBlur(to_float_mat(image), blurred, cv::Size(0, 0), 1.0, 1.0, cv::BORDER_REFLECT);
  return image + amount * (image - from_float_mat(blurred).to(image.options()));
}

torch::Tensor denoise(const torch::Tensor& image, double h) {
  cv::Mat pixels, denoised;
  to_float_mat(image.clamp(0, 1)).convertTo(pixels, CV_8UC3, 255.0);
  // The colour channels are denoised in CIELAB by OpenCV whatever their order, so RGB goes in as is.
  cv::fastNlMeansDenoisingColored(pixels, denoised, static_cast<float>(h), static_cast<float>(h));
  cv::Mat result;
  denoised.convertTo(result, CV_32FC3, 1.0 / 255.0);
  return from_float_mat(result).to(image.options());
}

}  // namespace

std::vector<PostFilter> parse_post_filters(const std::vector<std::string>& specs) {
  std::vector<PostFilter> filters;
  for (const auto& spec : specs) filters.push_back(parse_one(spec));
  return filters;
}

bool post_filters_need_content(const std::vector<PostFilter>& filters) {
  for (const auto& f : filters)
    if (f.kind == "match-colors" || f.kind == "luminance" || f.kind == "strength") return true;
  return false;
}

torch::Tensor apply_post_filter(const torch::Tensor& image, const torch::Tensor& content, const PostFilter& filter) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = image.detach();
  if (filter.kind == "match-colors") return match_colour_statistics(x, content);
  if (filter.kind == "luminance") return combine_luminance(x, content);
  if (filter.kind == "sharpen") return sharpen(x, filter.amount);
  if (filter.kind == "denoise") return denoise(x, filter.amount);
  if (filter.kind == "strength") return content + filter.amount * (x - content);
  throw std::logic_error("unknown post filter " + filter.kind);
}

torch::Tensor apply_post(const torch::Tensor& image, const torch::Tensor& content, const Options& options) {
  torch::Tensor result = image.detach();
  if (const auto smoothing = parse_smoothing(options.smooth)) result = guided_smooth(result, content, *smoothing);
  for (const auto& filter : parse_post_filters(options.post)) result = apply_post_filter(result, content, filter);
  return result;
}

}  // namespace impasto
