#include "server/media_files.h"

#include <opencv2/videoio.hpp>

#include "server/bytes.h"

namespace impasto::server {

std::optional<MediaFormat> sniff_video(std::string_view b) {
  if (b.size() < 12) return std::nullopt;
  // ISO base media (MP4, MOV, 3GP): a box of type "ftyp" first; old QuickTime files may open with
  // their movie or data box instead.
  const std::string_view box = b.substr(4, 4);
  if (box == "ftyp" || box == "moov" || box == "mdat" || box == "wide") return MediaFormat{"MP4", ".mp4"};
  if (starts_with(b, "RIFF") && b.substr(8, 4) == "AVI ") return MediaFormat{"AVI", ".avi"};
  if (starts_with(b, "\x1A\x45\xDF\xA3")) return MediaFormat{"Matroska/WebM", ".mkv"};
  return std::nullopt;
}

std::optional<MediaFormat> sniff_sound(std::string_view b) {
  if (b.size() < 12) return std::nullopt;
  if (starts_with(b, "RIFF") && b.substr(8, 4) == "WAVE") return MediaFormat{"WAV", ".wav"};
  if (starts_with(b, "fLaC")) return MediaFormat{"FLAC", ".flac"};
  if (starts_with(b, "OggS")) return MediaFormat{"Ogg", ".ogg"};
  // MP3: an ID3 tag, or straight away an MPEG audio frame header (11 sync bits, layer III).
  const auto first = static_cast<unsigned char>(b[0]), second = static_cast<unsigned char>(b[1]);
  if (starts_with(b, "ID3") || (first == 0xFF && (second & 0xE6) == 0xE2)) return MediaFormat{"MP3", ".mp3"};
  return std::nullopt;
}

std::optional<ClipInfo> probe_clip(const std::filesystem::path& file, int count_limit) {
  cv::VideoCapture capture;
  try {
    if (!capture.open(file.string(), cv::CAP_FFMPEG)) return std::nullopt;
    ClipInfo info;
    cv::Mat frame;
    if (!capture.read(frame) || frame.empty()) return std::nullopt;
    info.width = frame.cols;
    info.height = frame.rows;
    info.frames_per_second = capture.get(cv::CAP_PROP_FPS);
    info.frames = 1;
    while (info.frames <= count_limit && capture.grab()) ++info.frames;
    return info;
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
}

std::string incomplete_video(const std::filesystem::path& file, int frames) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return "it is missing";
  const auto info = probe_clip(file, frames);
  if (!info) return "it cannot be decoded";
  if (info->frames != frames)
    return "it holds " + std::to_string(info->frames) + " frames, not " + std::to_string(frames);
  return "";
}

std::string incomplete_wav(std::string_view b) {
  if (b.size() < 44 || !starts_with(b, "RIFF") || b.substr(8, 4) != "WAVE") return "it is not a WAV file";
  if (static_cast<uint64_t>(little_endian(b, 4, 4)) + 8 != b.size()) return "it was cut short";
  return "";
}

}  // namespace impasto::server
