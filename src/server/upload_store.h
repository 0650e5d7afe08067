#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace impasto::server {

struct UploadLimits {
  size_t max_bytes = 30u << 20;
  int64_t max_pixels = 50'000'000;
  int max_clip_frames = 300;             // of an uploaded video clip
  int64_t max_frame_pixels = 8'294'400;  // of one frame of a clip (3840 x 2160)
  double max_sound_seconds = 60;         // of an uploaded sound
};

// An accepted upload (an image, a video clip or a sound), stored under a name the server chose.
struct StoredImage {
  std::string id;    // random hex; the only handle requests use
  std::string name;  // the client's file name, for display only (never a path)
  std::string kind = "image";  // "image", "video" or "sound"
  int width = 0, height = 0;   // of the image, or of a clip's frames
  int frames = 0;              // of a clip
  double frames_per_second = 0, seconds = 0;  // of a clip, of a sound
  std::string format;
  std::filesystem::path file;
};

// Checks uploaded bytes (size, signature, declared size, full decode) and keeps the accepted ones
// in `directory`. Throws InputError with a message written for the person who chose the file.
class UploadStore {
 public:
  UploadStore(std::filesystem::path directory, UploadLimits limits);

  StoredImage add(const std::string& bytes, const std::string& client_name);
  // A video clip (MP4/MOV, AVI, Matroska/WebM) that decodes, within the frame limits.
  StoredImage add_video(const std::string& bytes, const std::string& client_name);
  // A sound (WAV, FLAC, Ogg, MP3) that decodes, within the length limit.
  StoredImage add_sound(const std::string& bytes, const std::string& client_name);
  std::optional<StoredImage> find(const std::string& id) const;
  const UploadLimits& limits() const { return limits_; }

 private:
  std::filesystem::path directory_;
  void check_size(const std::string& bytes) const;
  // Writes the bytes under a fresh id (an image: also remembers it, as it is already checked).
  StoredImage keep(StoredImage upload, const std::string& bytes, const std::string& extension);
  // Clips and sounds, checked by decoders that read files: the bytes are written first, `inspect`
  // fills in what it finds or throws, and only an accepted upload is remembered (a refused one
  // leaves no file).
  StoredImage keep_checked(const std::string& kind, const std::string& client_name, const std::string& format,
                           const std::string& extension, const std::string& bytes,
                           const std::function<void(StoredImage&)>& inspect);

  UploadLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, StoredImage> images_;
};

// The last component of a client-side file name, without control characters, at most 80 bytes.
std::string display_name(const std::string& client_name);

}  // namespace impasto::server
