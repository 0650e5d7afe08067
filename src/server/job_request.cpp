#include "server/job_request.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <nlohmann/json.hpp>

#include "impasto/audio.h"
#include "impasto/errors.h"
#include "impasto/video.h"
#include "nets/model_locator.h"
#include "nets/network_spec.h"

namespace impasto::server {
namespace {

constexpr size_t kMaxStyles = 8;
constexpr int kMinSize = 32;

std::string model_label(const std::string& name) {
  if (name == "squeezenet") return "SqueezeNet (fast)";
  if (name == "googlenet") return "GoogLeNet";
  if (name == "resnet50") return "ResNet-50";
  if (name == "vgg19") return "VGG-19 (classic, slow)";
  if (name == "vgg16") return "VGG-16 (slow)";
  return name;
}

double number(const nlohmann::json& request, const char* key, double fallback, double low, double high,
              const std::string& label) {
  if (!request.contains(key)) return fallback;
  const auto& value = request[key];
  if (!value.is_number() || !std::isfinite(value.get<double>())) throw InputError(label + " must be a number");
  const double x = value.get<double>();
  if (x < low || x > high) {
    char text[160];
    std::snprintf(text, sizeof text, "%s must be between %g and %g", label.c_str(), low, high);
    throw InputError(text);
  }
  return x;
}

int whole_number(const nlohmann::json& request, const char* key, int fallback, int low, int high,
                 const std::string& label) {
  const double x = number(request, key, fallback, low, high, label);
  if (x != std::floor(x)) throw InputError(label + " must be a whole number");
  return static_cast<int>(x);
}

// The upload of this kind ("image", "video", "sound") that `id` names; `what` names it in errors.
const StoredImage& upload(const nlohmann::json& id, const UploadStore& uploads, std::optional<StoredImage>& slot,
                          const std::string& kind, const std::string& what) {
  if (!id.is_string()) throw InputError("choose a " + what);
  slot = uploads.find(id.get<std::string>());
  if (!slot) throw InputError("the " + what + " is no longer on the server; choose it again");
  if (slot->kind != kind) throw InputError("the " + what + " must be " + (kind == "image" ? "an " : "a ") + kind + " file");
  return *slot;
}

const StoredImage& image(const nlohmann::json& id, const UploadStore& uploads, std::optional<StoredImage>& slot,
                         const std::string& role) {
  return upload(id, uploads, slot, "image", role + " image");
}

std::string stem(const std::string& name) { return name.substr(0, name.find_last_of('.')); }

// The painting options an image job and a video job share: styles, network, size, iterations,
// weights, colours and finishing filters. Names of the styles go to `style_names`.
void parse_painting(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits, Options& o,
                    std::vector<std::string>& style_names) {
  const auto styles = request.value("styles", nlohmann::json::array());
  if (!styles.is_array() || styles.empty()) throw InputError("choose at least one style image");
  if (styles.size() > kMaxStyles) throw InputError("at most " + std::to_string(kMaxStyles) + " style images");
  for (const auto& style : styles) {
    if (!style.is_object()) throw InputError("each style must be an object with an image id");
    std::optional<StoredImage> stored;
    o.styles.push_back(image(style.value("image", nlohmann::json()), uploads, stored, "style").file.string());
    o.style_blend.push_back(number(style, "weight", 1.0, 0.0, 1000.0, "a style's blend weight"));
    style_names.push_back(stem(stored->name));
  }
  if (std::all_of(o.style_blend.begin(), o.style_blend.end(), [](double w) { return w == 0; }))
    throw InputError("at least one style needs a blend weight above zero");

  const auto model = request.value("model", nlohmann::json("squeezenet"));
  if (!model.is_string()) throw InputError("the network must be named");
  o.model = model.get<std::string>();
  // Left out: the command line's defaults (Options), within the server's limits.
  o.size = whole_number(request, "size", std::min(o.size, limits.max_size), kMinSize, limits.max_size, "the size");
  o.iterations = whole_number(request, "iterations", std::min(o.iterations, limits.max_iterations), 1,
                             limits.max_iterations, "the iterations");
  o.content_weight = number(request, "content_weight", o.content_weight, 0, 1e6, "the content weight");
  o.style_weight = number(request, "style_weight", o.style_weight, 0, 1e6, "the style weight");
  o.tv_weight = number(request, "tv_weight", o.tv_weight, 0, 1e6, "the smoothness (TV) weight");
  const auto preserve = request.value("preserve_colors", nlohmann::json(""));
  if (!preserve.is_string()) throw InputError("colour preservation must be \"luminance\" or \"histogram\"");
  o.preserve_colors = preserve.get<std::string>();  // validate() names a wrong mode
  const auto post = request.value("post", nlohmann::json::array());
  if (!post.is_array() || !std::all_of(post.begin(), post.end(), [](const auto& f) { return f.is_string(); }))
    throw InputError("the finishing filters (post) must be a list of names such as \"sharpen:0.5\"");
  for (const auto& filter : post) o.post.push_back(filter.get<std::string>());  // validate() names a bad one
  o.model_dir = limits.model_dir;
  o.threads = limits.threads;
  o.print_every = 0;
  validate(o);
  locate_weights(network_spec(o.model), "", o.model_dir);  // a missing network fails now, not in the queue
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " + ") + name;
  return text;
}

JobSpec parse_image_job(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits) {
  JobSpec spec;
  Options& o = spec.options;
  const auto mode = request.value("mode", nlohmann::json("stylize"));
  if (mode != "stylize" && mode != "texture") throw InputError("the mode must be \"stylize\" or \"texture\"");
  const bool texture = mode == "texture";
  std::optional<StoredImage> content;
  if (texture)
    o.init = "noise";  // a texture has no photo to start from; any content sent along is ignored
  else
    o.content = image(request.value("content", nlohmann::json()), uploads, content, "content").file.string();
  std::vector<std::string> style_names;
  parse_painting(request, uploads, limits, o, style_names);
  spec.preview_every = std::clamp(o.iterations / 40, 2, 10);
  spec.title = texture ? "Texture from " + joined(style_names) : stem(content->name) + " in the style of " + joined(style_names);
  return spec;
}

// A clip: the painting options for its frames (iterations: of the first frame), the iterations of
// every later frame, the temporal weight and how many frames; defaults: VideoOptions, as `impasto video`.
JobSpec parse_video_job(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits) {
  JobSpec spec;
  spec.kind = JobKind::video;
  VideoOptions& v = spec.video;
  std::optional<StoredImage> clip;
  upload(request.value("content", nlohmann::json()), uploads, clip, "video", "video clip");
  spec.options = v.frame;
  spec.options.content = clip->file.string();
  std::vector<std::string> style_names;
  parse_painting(request, uploads, limits, spec.options, style_names);
  v.frame_iterations = whole_number(request, "frame_iterations", std::min(v.frame_iterations, limits.max_iterations),
                                    1, limits.max_iterations, "the iterations of later frames");
  v.temporal_weight = number(request, "temporal_weight", v.temporal_weight, 0, 1e6, "the temporal weight");
  v.max_frames = whole_number(request, "max_frames", clip->frames, 1, clip->frames, "the number of frames");
  spec.title = stem(clip->name) + " in the style of " + joined(style_names);
  return spec;
}

// A sound: a texture of the style sound, or the content sound in its style; defaults: AudioOptions,
// as `impasto audio`.
JobSpec parse_audio_job(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits) {
  JobSpec spec;
  spec.kind = JobKind::audio;
  AudioOptions& a = spec.audio;
  std::optional<StoredImage> style, content;
  a.style = upload(request.value("style", nlohmann::json()), uploads, style, "sound", "style sound").file.string();
  const auto content_id = request.value("content", nlohmann::json());
  if (!content_id.is_null())
    a.content = upload(content_id, uploads, content, "sound", "content sound").file.string();
  a.iterations = whole_number(request, "iterations", std::min(a.iterations, limits.max_iterations), 1,
                              limits.max_iterations, "the iterations");
  a.content_weight = number(request, "content_weight", a.content_weight, 0, 1e6, "the content weight");
  a.style_weight = number(request, "style_weight", a.style_weight, 0, 1e6, "the style weight");
  a.max_duration = limits.max_sound_seconds;
  a.duration = number(request, "duration", content ? 0.0 : std::min(style->seconds, limits.max_sound_seconds), 0,
                      limits.max_sound_seconds, "the duration (seconds)");
  a.threads = limits.threads;
  a.print_every = 0;
  validate(a);
  spec.preview_every = std::clamp(a.iterations / 10, 2, 10);
  spec.title = content ? stem(content->name) + " in the style of " + stem(style->name) : "Texture from " + stem(style->name);
  return spec;
}

}  // namespace

JobSpec parse_job_request(const nlohmann::json& request, const UploadStore& uploads, const ServeOptions& limits) {
  if (!request.is_object()) throw InputError("the job request must be a JSON object");
  const auto kind = request.value("kind", nlohmann::json("image"));
  if (kind == "image") return parse_image_job(request, uploads, limits);
  if (kind == "video") return parse_video_job(request, uploads, limits);
  if (kind == "audio") return parse_audio_job(request, uploads, limits);
  throw InputError("the kind of job must be \"image\", \"video\" or \"audio\"");
}

nlohmann::json available_models(const std::string& model_dir) {
  std::vector<std::string> names = network_names();
  std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "squeezenet"; });
  nlohmann::json models = nlohmann::json::array();
  for (const auto& name : names) {
    nlohmann::json entry{{"name", name}, {"label", model_label(name)}, {"available", true}};
    try {
      entry["detail"] = locate_weights(network_spec(name), "", model_dir).filename().string();
    } catch (const InputError& e) {
      entry["available"] = false;
      entry["detail"] = e.what();
    }
    models.push_back(std::move(entry));
  }
  return models;
}

}  // namespace impasto::server
