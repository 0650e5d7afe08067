#pragma once
#include <string>

namespace impasto {

// Writes `output` (mp4): the video stream of `video_only` plus the first audio track of
// `audio_source` when it has one. The audio is copied as it is when mp4 can hold its codec (AAC,
// MP3, AC-3, ...) and encoded to AAC otherwise (PCM, as AVI and WAV carry it); it is cut at the end
// of the video. `audio_source` may be anything (an image folder has no audio: the video is copied).
// Written through a temporary file renamed into place. Returns a short description of the audio
// ("none", "copied aac", "encoded pcm_s16le to aac"). Throws InputError when a file cannot be read or
// written.
std::string mux_with_audio(const std::string& video_only, const std::string& audio_source, const std::string& output);

}  // namespace impasto
