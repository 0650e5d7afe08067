#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace impasto::server {

// What a file's first bytes say it is, for clips and sounds (images: image_header.h). Recognised by
// content, never by the client's file name.
struct MediaFormat {
  std::string name;       // "MP4", "AVI", "Matroska/WebM", "WAV", "FLAC", "Ogg", "MP3"
  std::string extension;  // ".mp4", ".avi", ".mkv", ".wav", ".flac", ".ogg", ".mp3"
};
std::optional<MediaFormat> sniff_video(std::string_view bytes);
std::optional<MediaFormat> sniff_sound(std::string_view bytes);

// A clip as OpenCV decodes it: frames counted by decoding, up to count_limit + 1 (so that a clip
// over the limit is known to be without decoding all of it).
struct ClipInfo {
  int frames = 0, width = 0, height = 0;
  double frames_per_second = 0;
};
// nullopt when OpenCV cannot open the file or decode its first frame.
std::optional<ClipInfo> probe_clip(const std::filesystem::path& file, int count_limit);

// Why a written clip is not a whole video of `frames` frames, or "" when it is.
std::string incomplete_video(const std::filesystem::path& file, int frames);
// Why these bytes are not a complete RIFF/WAVE file (its declared size is the file's), or "".
std::string incomplete_wav(std::string_view bytes);

}  // namespace impasto::server
