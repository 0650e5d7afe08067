#include "impasto/options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "impasto/errors.h"
#include "nets/network_spec.h"
#include "options_controls.h"
#include "transfer/schedule.h"
#include "weights/input_convention.h"

namespace impasto {

void to_json(nlohmann::json& j, const Options& o) {
  j = nlohmann::json{{"content", o.content},
                     {"styles", o.styles},
                     {"style_blend", o.style_blend},
                     {"style_scale", o.style_scale},
                     {"output", o.output},
                     {"size", o.size},
                     {"iterations", o.iterations},
                     {"scales", o.scales},
                     {"tile", o.tile},
                     {"content_weight", o.content_weight},
                     {"style_weight", o.style_weight},
                     {"tv_weight", o.tv_weight},
                     {"content_layers", o.content_layers},
                     {"style_layers", o.style_layers},
                     {"pooling", o.pooling},
                     {"init", o.init},
                     {"seed", o.seed},
                     {"optimizer", o.optimizer},
                     {"learning_rate", o.learning_rate},
                     {"lbfgs_history", o.lbfgs_history},
                     {"normalize_gradients", o.normalize_gradients},
                     {"tolerance", o.tolerance},
                     {"save_every", o.save_every},
                     {"print_every", o.print_every},
                     {"model", o.model},
                     {"model_file", o.model_file},
                     {"model_dir", o.model_dir},
                     {"input_convention", o.input_convention},
                     {"device", o.device},
                     {"precision", o.precision},
                     {"threads", o.threads},
                     {"report", o.report},
                     {"preserve_colors", o.preserve_colors},
                     {"style_masks", o.style_masks},
                     {"content_mask", o.content_mask},
                     {"style_maps", o.style_maps},
                     {"content_map", o.content_map},
                     {"style_loss", o.style_loss},
                     {"semantic_weight", o.semantic_weight},
                     {"bit_depth", o.bit_depth},
                     {"animate", o.animate},
                     {"animate_every", o.animate_every},
                     {"smooth", o.smooth},
                     {"post", o.post},
                     {"photorealistic", o.photorealistic}};
}

namespace {

// NaN passes every `x >= 0` test by failing none of them, and Inf runs to a black image: each real
// option must be a finite number.
std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void require_finite(double value, const std::string& option) {
  if (!std::isfinite(value)) throw InputError(option + " must be a finite number, got " + number_text(value));
}

// The weights in "layer:weight,..." lists (parse_layer_weights reads them once the network is known).
void require_finite_layer_weights(const std::string& list, const std::string& option) {
  for (const std::string& entry : layer_list_entries(list)) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos) continue;
    const std::string number = entry.substr(colon + 1);
    char* end = nullptr;
    const double weight = std::strtod(number.c_str(), &end);
    if (end != number.c_str() && !std::isfinite(weight))
      throw InputError(option + ": weight '" + number + "' of layer " + entry_layer(entry) + " is not a finite number");
  }
}

}  // namespace

void validate(const Options& o) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
  };
  require_finite(o.style_scale, "--style-scale");
  for (double w : o.style_blend) require_finite(w, "--style-blend");
  require_finite(o.content_weight, "--content-weight");
  require_finite(o.style_weight, "--style-weight");
  require_finite(o.tv_weight, "--tv-weight");
  require_finite(o.learning_rate, "--learning-rate");
  require_finite(o.tolerance, "--tolerance");
  require_finite(o.photorealistic, "--photorealistic");
  require_finite(o.semantic_weight, "--semantic-weight");
  require_finite_layer_weights(o.content_layers, "--content-layers");
  require_finite_layer_weights(o.style_layers, "--style-layers");
  require(!o.styles.empty(), "at least one --style image is required");
  require(o.size > 0, "--size must be a positive number of pixels, got " + std::to_string(o.size));
  require(o.size <= 16384, "--size " + std::to_string(o.size) + " is too large (at most 16384)");
  require(o.iterations >= 0, "--iterations must not be negative");
  require(o.style_scale > 0, "--style-scale must be positive");
  require(o.style_scale * o.size <= 16384, "--style-scale " + number_text(o.style_scale) + " makes style images of " +
                                               number_text(o.style_scale * o.size) + " pixels (at most 16384)");
  require(o.style_blend.empty() || o.style_blend.size() == o.styles.size(),
          "--style-blend has " + std::to_string(o.style_blend.size()) + " weights for " +
              std::to_string(o.styles.size()) + " styles");
  for (double w : o.style_blend) require(w >= 0, "--style-blend weights must not be negative");
  require(o.content_weight >= 0 && o.style_weight >= 0 && o.tv_weight >= 0, "loss weights must not be negative");
  require(o.pooling == "max" || o.pooling == "avg", "--pooling must be max or avg, got '" + o.pooling + "'");
  require(o.optimizer == "lbfgs" || o.optimizer == "adam",
          "--optimizer must be lbfgs or adam, got '" + o.optimizer + "'");
  require(o.learning_rate >= 0, "--learning-rate must not be negative");
  require(o.lbfgs_history > 0, "--lbfgs-history must be positive");
  require(o.tolerance >= 0, "--tolerance must not be negative");
  require(o.save_every >= 0 && o.print_every >= 0, "--save-every and --print-every must not be negative");
  const auto& conventions = input_convention_names();
  require(o.input_convention == "auto" ||
              std::find(conventions.begin(), conventions.end(), o.input_convention) != conventions.end(),
          "--input-convention must be auto, caffe, torchvision or matconvnet, got '" + o.input_convention + "'");
  require(o.device == "cpu" || o.device == "cuda", "--device must be cpu or cuda, got '" + o.device + "'");
  require(o.precision == "fp32" || o.precision == "tf32" || o.precision == "fp16" || o.precision == "bf16",
          "--precision must be fp32, tf32, fp16 or bf16, got '" + o.precision + "'");
  require(o.precision == "fp32" || o.device == "cuda",
          "--precision " + o.precision + " needs --device cuda (the CPU path computes in fp32)");
  require(o.threads >= 0, "--threads must not be negative");
  require(!o.output.empty(), "--output must name a file");
  validate_controls(o);
  scale_sizes(o.scales, o.size);  // throws for a bad --scales
  require(o.tile == 0 || o.tile >= kMinTile,
          "--tile must be at least " + std::to_string(kMinTile) + " pixels, got " + std::to_string(o.tile));
  require(o.tile < o.size, "--tile " + std::to_string(o.tile) + " must be smaller than the output --size " +
                               std::to_string(o.size) + " (leave --tile out to optimise the whole image)");
}

}  // namespace impasto
