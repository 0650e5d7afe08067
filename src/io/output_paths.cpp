#include "io/output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "image/animation.h"
#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace fs = std::filesystem;
namespace {

struct Named {
  std::string path, role;
};

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  std::error_code error;
  return fs::weakly_canonical(a, error) == fs::weakly_canonical(b, error);
}

}  // namespace

void check_writable_file(const std::string& path, const std::string& role) {
  const std::string prefix = "cannot write " + role + " '" + path + "': ";
  std::error_code error;
  if (fs::is_directory(path, error)) throw InputError(prefix + "it is a directory");
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, error)) throw InputError(prefix + "directory '" + parent.string() + "' does not exist");
  if (::access(parent.c_str(), W_OK | X_OK) != 0) throw InputError(prefix + "directory '" + parent.string() + "' is not writable");
}

void check_output_paths(const Options& o) {
  check_writable_image_path(o.output);
  if (!o.animate.empty()) check_animation_path(o.animate);
  std::vector<Named> outputs{{o.output, "output image"}};
  if (!o.report.empty()) outputs.push_back({o.report, "--report"});
  if (!o.animate.empty()) outputs.push_back({o.animate, "--animate"});
  std::vector<Named> inputs;
  if (!o.content.empty()) inputs.push_back({o.content, "the content image"});
  for (const auto& s : o.styles) inputs.push_back({s, "a style image"});
  for (const auto& m : o.style_masks) inputs.push_back({m, "a style mask"});
  for (const auto& m : o.style_maps) inputs.push_back({m, "a style map"});
  if (!o.content_mask.empty()) inputs.push_back({o.content_mask, "the content mask"});
  if (!o.content_map.empty()) inputs.push_back({o.content_map, "the content map"});
  if (o.init != "content" && o.init != "noise") inputs.push_back({o.init, "the --init image"});
  if (!o.model_file.empty() && o.model_file != "random") inputs.push_back({o.model_file, "the --model-file"});
  for (size_t i = 0; i < outputs.size(); ++i) {
    check_writable_file(outputs[i].path, outputs[i].role);
    for (const auto& input : inputs)
      if (same_file(outputs[i].path, input.path))
        throw InputError("the " + outputs[i].role + " '" + outputs[i].path + "' is " + input.role + " ('" + input.path +
                         "'); writing it would destroy the input: choose another name");
    for (size_t j = 0; j < i; ++j)
      if (same_file(outputs[i].path, outputs[j].path))
        throw InputError("the " + outputs[i].role + " and the " + outputs[j].role + " are the same file '" +
                         outputs[i].path + "'");
  }
}

}  // namespace impasto
