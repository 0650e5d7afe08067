#include "video/audio_track.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include <gtest/gtest.h>
#include <torch/types.h>

#include <opencv2/videoio.hpp>

#include "image/animation.h"
#include "impasto/errors.h"
#include "test_support.h"
#include "video/test_clips.h"

namespace impasto {
namespace {
namespace fs = std::filesystem;
using testing::write_tone;

void write_video(const fs::path& path, int frames, double fps) {
  auto writer = AnimationWriter::open(path.string(), 32, 24, fps);
  for (int i = 0; i < frames; ++i) writer->add(torch::full({1, 3, 24, 32}, 0.1 * i));
  writer->finish();
}

struct Streams {
  std::string audio_codec;  // empty when there is no audio
  double audio_seconds = 0;
  int video_frames = 0;
};

Streams probe(const fs::path& path) {
  Streams streams;
  AVFormatContext* context = nullptr;
  if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) < 0) return streams;
  avformat_find_stream_info(context, nullptr);
  for (unsigned i = 0; i < context->nb_streams; ++i) {
    const AVStream* s = context->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      streams.audio_codec = avcodec_get_name(s->codecpar->codec_id);
      streams.audio_seconds = s->duration * av_q2d(s->time_base);
    }
  }
  avformat_close_input(&context);
  cv::VideoCapture capture(path.string(), cv::CAP_FFMPEG);
  cv::Mat frame;
  while (capture.read(frame)) ++streams.video_frames;
  return streams;
}

TEST(AudioTrack, PcmIsEncodedToAacThenCopiedAsItIs) {
  testing::TempDir dir;
  write_video(dir / "video.mp4", 10, 10);  // one second
  write_tone(dir / "tone.wav", 1.0);
  EXPECT_EQ(mux_with_audio((dir / "video.mp4").string(), (dir / "tone.wav").string(), (dir / "clip.mp4").string()),
            "encoded pcm_s16le to aac");
  const Streams clip = probe(dir / "clip.mp4");
  EXPECT_EQ(clip.audio_codec, "aac");
  EXPECT_NEAR(clip.audio_seconds, 1.0, 0.1);
  EXPECT_EQ(clip.video_frames, 10);

  // The clip as a source: its AAC track is copied into a new video.
  write_video(dir / "painted.mp4", 10, 10);
  EXPECT_EQ(mux_with_audio((dir / "painted.mp4").string(), (dir / "clip.mp4").string(), (dir / "out.mp4").string()),
            "copied aac");
  const Streams out = probe(dir / "out.mp4");
  EXPECT_EQ(out.audio_codec, "aac");
  EXPECT_NEAR(out.audio_seconds, 1.0, 0.1);
  EXPECT_EQ(out.video_frames, 10);
}

TEST(AudioTrack, AudioLongerThanTheVideoIsCutAtItsEnd) {
  testing::TempDir dir;
  write_video(dir / "video.mp4", 5, 10);  // half a second
  write_tone(dir / "tone.wav", 2.0);
  mux_with_audio((dir / "video.mp4").string(), (dir / "tone.wav").string(), (dir / "clip.mp4").string());
  EXPECT_LT(probe(dir / "clip.mp4").audio_seconds, 0.7);
}

TEST(AudioTrack, ASourceWithoutAudioGivesTheVideoAlone) {
  testing::TempDir dir;
  write_video(dir / "video.mp4", 4, 10);
  fs::create_directories(dir / "frames");
  EXPECT_EQ(mux_with_audio((dir / "video.mp4").string(), (dir / "frames").string(), (dir / "out.mp4").string()), "none");
  const Streams out = probe(dir / "out.mp4");
  EXPECT_EQ(out.audio_codec, "");
  EXPECT_EQ(out.video_frames, 4);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".mux"), std::string::npos) << "temporary file left";
}

TEST(AudioTrack, AnUnwritableOutputIsAnInputErrorAndLeavesNothing) {
  testing::TempDir dir;
  write_video(dir / "video.mp4", 4, 10);
  EXPECT_THROW(mux_with_audio((dir / "video.mp4").string(), (dir / "video.mp4").string(),
                              (dir / "missing" / "out.mp4").string()),
               InputError);
}

}  // namespace
}  // namespace impasto
