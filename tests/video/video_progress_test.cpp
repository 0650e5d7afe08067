#include "video/video_progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace impasto {
namespace {

std::string printed(const std::function<void(VideoProgress&)>& use) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* stream = open_memstream(&buffer, &size);
  {
    VideoProgress progress(stream, false);
    use(progress);
  }
  std::fclose(stream);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(VideoProgress, ALinePerFrameWithRateAndEtaFromTheLaterFrames) {
  const std::string text = printed([](VideoProgress& p) {
    p.iteration(1, 5, 10, 100);  // no line off a terminal
    p.frame_done(1, 5, 100, 30.0, false);
    p.frame_done(2, 5, 20, 6.0, false);
    p.frame_done(3, 5, 20, 6.0, false);
  });
  EXPECT_EQ(text,
            "frame 1/5: 100 iterations, 30.0 s · 2.0 frames/min · ETA 2m00s\n"
            "frame 2/5: 20 iterations, 6.0 s · 10.0 frames/min · ETA 18s\n"
            "frame 3/5: 20 iterations, 6.0 s · 10.0 frames/min · ETA 12s\n");
}

TEST(VideoProgress, ResumedFramesAreToldAndCostNothing) {
  const std::string text = printed([](VideoProgress& p) {
    p.frame_done(1, 3, 100, 30.0, true);
    p.frame_done(2, 3, 20, 6.0, false);
  });
  EXPECT_EQ(text, "frame 1/3: finished earlier, kept\nframe 2/3: 20 iterations, 6.0 s · 10.0 frames/min · ETA 6s\n");
  EXPECT_EQ(VideoProgress::duration(3725), "1h02m");
  EXPECT_EQ(VideoProgress::duration(65), "1m05s");
}

TEST(VideoProgress, PassesAreAnnouncedAndTheEtaCountsThePassesLeft) {
  const std::string text = printed([](VideoProgress& p) {
    p.start_pass(1, 2, false);
    p.frame_done(1, 3, 100, 30.0, false);
    p.frame_done(2, 3, 20, 6.0, false);
    p.frame_done(3, 3, 20, 6.0, false);
    p.start_pass(2, 2, true);
    p.frame_done(3, 3, 20, 6.0, true);
    p.frame_done(2, 3, 20, 6.0, false);
  });
  EXPECT_EQ(text,
            "pass 1/2 · frame 1/3: 100 iterations, 30.0 s · 2.0 frames/min · ETA 2m30s\n"
            "pass 1/2 · frame 2/3: 20 iterations, 6.0 s · 10.0 frames/min · ETA 24s\n"
            "pass 1/2 · frame 3/3: 20 iterations, 6.0 s · 10.0 frames/min · ETA 18s\n"
            "pass 2 of 2, from the last frame back\n"
            "pass 2/2 · frame 3/3: finished earlier, kept\n"
            "pass 2/2 · frame 2/3: 20 iterations, 6.0 s · 10.0 frames/min · ETA 6s\n");
}

}  // namespace
}  // namespace impasto
