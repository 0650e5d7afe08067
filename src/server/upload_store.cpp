#include "server/upload_store.h"

#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "audio/audio_io.h"
#include "server/image_header.h"
#include "server/media_files.h"

namespace impasto::server {
namespace {

std::string megabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", bytes / (1 << 20));
  return text;
}

std::string random_id() {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  std::lock_guard lock(mutex);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

void check_declared_size(const ImageHeader& header, const UploadLimits& limits) {
  if (header.width <= 0 || header.height <= 0)
    throw InputError("the " + header.format + " file declares an empty image; it is damaged");
  const double pixels = static_cast<double>(header.width) * static_cast<double>(header.height);
  if (pixels > static_cast<double>(limits.max_pixels)) {
    char text[200];
    std::snprintf(text, sizeof text, "the image is %lld x %lld pixels (%.1f megapixels); the limit is %.1f megapixels",
                  static_cast<long long>(header.width), static_cast<long long>(header.height), pixels / 1e6,
                  limits.max_pixels / 1e6);
    throw InputError(text);
  }
}

}  // namespace

UploadStore::UploadStore(std::filesystem::path directory, UploadLimits limits)
    : directory_(std::move(directory)), limits_(limits) {
  namespace fs = std::filesystem;
  fs::create_directories(directory_);
  fs::permissions(directory_, fs::perms::owner_all, fs::perm_options::replace);  // private to this user
}

void UploadStore::check_size(const std::string& bytes) const {
  if (bytes.empty()) throw InputError("the file is empty");
  if (bytes.size() > limits_.max_bytes)
    throw InputError("the file is " + megabytes(bytes.size()) + "; the limit is " + megabytes(limits_.max_bytes));
}

StoredImage UploadStore::add(const std::string& bytes, const std::string& client_name) {
  check_size(bytes);
  if (!sniff_format(bytes)) throw InputError("unsupported file type: choose a PNG, JPEG, WebP or BMP image");
  const auto header = read_image_header(bytes);
  if (!header) throw InputError("the file is damaged: its image header cannot be read");
  check_declared_size(*header, limits_);

  cv::Mat decoded;
  try {
    decoded = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
                           cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    decoded = cv::Mat();
  }
  if (decoded.empty()) throw InputError("the " + header->format + " file is damaged: it cannot be decoded");

  StoredImage image;
  image.name = display_name(client_name);
  image.width = decoded.cols;
  image.height = decoded.rows;
  image.format = header->format;
  return keep(image, bytes, header->extension);
}

// Clips and sounds are checked by their decoders, which read files: the bytes are written first,
// under their final name, and removed again when they are refused.
namespace {
struct RemoveUnlessKept {
  std::filesystem::path file;
  bool kept = false;
  ~RemoveUnlessKept() {
    std::error_code ignored;
    if (!kept) std::filesystem::remove(file, ignored);
  }
};
}  // namespace

StoredImage UploadStore::add_video(const std::string& bytes, const std::string& client_name) {
  check_size(bytes);
  const auto format = sniff_video(bytes);
  if (!format) throw InputError("unsupported file type: choose an MP4, MOV, AVI, MKV or WebM video clip");
  return keep_checked("video", client_name, format->name, format->extension, bytes, [&](StoredImage& clip) {
    const auto info = probe_clip(clip.file, limits_.max_clip_frames);
    if (!info) throw InputError("the " + format->name + " file is damaged or uses a codec this build cannot decode");
    const double pixels = static_cast<double>(info->width) * info->height;
    if (pixels > static_cast<double>(limits_.max_frame_pixels)) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "the clip's frames are %d x %d pixels (%.3g megapixels); the limit is %.3g megapixels", info->width,
                    info->height, pixels / 1e6, limits_.max_frame_pixels / 1e6);
      throw InputError(text);
    }
    if (info->frames > limits_.max_clip_frames) {
      char text[200];
      if (info->frames_per_second > 0)
        std::snprintf(text, sizeof text, "the clip is too long: the limit is %d frames (%.3g s at its %.3g fps); trim it",
                      limits_.max_clip_frames, limits_.max_clip_frames / info->frames_per_second,
                      info->frames_per_second);
      else
        std::snprintf(text, sizeof text, "the clip is too long: the limit is %d frames; trim it", limits_.max_clip_frames);
      throw InputError(text);
    }
    clip.width = info->width;
    clip.height = info->height;
    clip.frames = info->frames;
    clip.frames_per_second = info->frames_per_second;
    clip.seconds = info->frames_per_second > 0 ? info->frames / info->frames_per_second : 0;
  });
}

StoredImage UploadStore::add_sound(const std::string& bytes, const std::string& client_name) {
  check_size(bytes);
  const auto format = sniff_sound(bytes);
  if (!format) throw InputError("unsupported file type: choose a WAV, FLAC, Ogg or MP3 sound");
  return keep_checked("sound", client_name, format->name, format->extension, bytes, [&](StoredImage& sound) {
    const std::string role = "the " + format->name + " file";
    AudioClip decoded;
    try {
      decoded = load_audio(sound.file.string(), role);
    } catch (const InputError& e) {
      // load_audio names the file by its path on the server; the page knows it by its own name.
      const std::string message = e.what();
      const size_t cut = message.find("': ");
      throw InputError(role + (cut == std::string::npos ? ": cannot be decoded" : message.substr(cut + 1)));
    }
    sound.seconds = decoded.seconds();
    if (sound.seconds > limits_.max_sound_seconds) {
      char text[160];
      std::snprintf(text, sizeof text, "the sound is too long: %.1f s; the limit is %g s", sound.seconds,
                    limits_.max_sound_seconds);
      throw InputError(text);
    }
  });
}

StoredImage UploadStore::keep_checked(const std::string& kind, const std::string& client_name,
                                      const std::string& format, const std::string& extension,
                                      const std::string& bytes, const std::function<void(StoredImage&)>& inspect) {
  StoredImage upload;
  upload.kind = kind;
  upload.name = display_name(client_name);
  upload.format = format;
  upload = keep(upload, bytes, extension);
  RemoveUnlessKept guard{upload.file};
  inspect(upload);
  guard.kept = true;
  std::lock_guard lock(mutex_);
  images_[upload.id] = upload;
  return upload;
}

StoredImage UploadStore::keep(StoredImage upload, const std::string& bytes, const std::string& extension) {
  upload.id = random_id();
  upload.file = directory_ / (upload.id + extension);
  write_file_atomically(upload.file.string(), bytes);
  std::filesystem::permissions(upload.file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  if (upload.kind == "image") {  // clips and sounds are remembered once their decoders accept them
    std::lock_guard lock(mutex_);
    images_[upload.id] = upload;
  }
  return upload;
}

std::optional<StoredImage> UploadStore::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = images_.find(id);
  if (found == images_.end()) return std::nullopt;
  return found->second;
}

std::string display_name(const std::string& client_name) {
  std::string name = client_name.substr(client_name.find_last_of("/\\") == std::string::npos
                                            ? 0
                                            : client_name.find_last_of("/\\") + 1);
  std::string clean;
  for (unsigned char c : name)
    if (c >= 0x20 && c != 0x7F) clean += static_cast<char>(c);
  if (clean.size() > 80) {
    clean.resize(80);
    while (!clean.empty() && (static_cast<unsigned char>(clean.back()) & 0xC0) == 0x80) clean.pop_back();
    if (!clean.empty() && static_cast<unsigned char>(clean.back()) >= 0xC0) clean.pop_back();  // cut sequence
  }
  if (clean.empty() || clean == "." || clean == "..") clean = "image";
  return clean;
}

}  // namespace impasto::server
