#include "video/video_output.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "image/animation.h"
#include "impasto/errors.h"
#include "video/audio_track.h"
#include "video/frame_tensor.h"

namespace impasto {
namespace fs = std::filesystem;

void check_video_output(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension != ".mp4") throw InputError("--output of a video must be an .mp4 file, got '" + path + "'");
  check_animation_path(path);  // the folder exists
  const fs::path folder = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  const fs::path probe = folder / (".impasto-probe" + std::to_string(::getpid()));
  const bool writable = static_cast<bool>(std::ofstream(probe));
  std::error_code error;
  fs::remove(probe, error);
  if (!writable) throw InputError("cannot write '" + path + "': the folder is not writable");
}

std::string write_video(const std::string& path, int frames, const std::function<cv::Mat(int)>& frame, double fps,
                        const std::string& audio_source) {
  const fs::path p(path);
  const fs::path video_only = p.parent_path() / ("." + p.stem().string() + ".video" + std::to_string(::getpid()) + ".mp4");
  std::string audio;
  try {
    const cv::Mat first = frame(0);
    auto writer = AnimationWriter::open(video_only.string(), first.cols, first.rows, fps);
    for (int i = 0; i < frames; ++i) writer->add(tensor_from_frame(i == 0 ? first : frame(i)));
    writer->finish();
    audio = mux_with_audio(video_only.string(), audio_source, path);
  } catch (...) {
    std::error_code error;
    fs::remove(video_only, error);
    throw;
  }
  std::error_code error;
  fs::remove(video_only, error);
  return audio;
}

}  // namespace impasto
