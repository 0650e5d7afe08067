#include "report/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace impasto {
namespace {

std::string render(bool terminal, int print_every, int iterations) {
  std::FILE* stream = std::tmpfile();
  Progress progress(stream, terminal, print_every);
  for (int i = 1; i <= iterations; ++i)
    progress.update({i, 1.5, 2.5, 0.25, 4.25, i * 0.5, 0, {{"content", 1.5}, {"style", 2.5}, {"tv", 0.25}}}, iterations);
  progress.finish();
  std::rewind(stream);
  std::string text;
  for (int c; (c = std::fgetc(stream)) != EOF;) text += static_cast<char>(c);
  std::fclose(stream);
  return text;
}

TEST(Progress, PlainLinesEveryNIterationsAndAtTheEnd) {
  const std::string text = render(false, 4, 10);
  EXPECT_NE(text.find("iteration 4/10"), std::string::npos) << text;
  EXPECT_NE(text.find("iteration 8/10"), std::string::npos) << text;
  EXPECT_NE(text.find("iteration 10/10"), std::string::npos) << text;
  EXPECT_EQ(text.find("iteration 5/10"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << "no redraws off a terminal";
  EXPECT_NE(text.find("2.00 it/s"), std::string::npos) << text;
  EXPECT_NE(text.find("style 2.5"), std::string::npos) << text;
}

TEST(Progress, ShowsEveryLossTermOfTheRun) {
  std::FILE* stream = std::tmpfile();
  Progress progress(stream, false, 1);
  progress.update({1, 0, 0, 0, 3.5, 1.0, 0, {{"style", 2.5}, {"temporal", 1}}}, 1);
  std::rewind(stream);
  std::string text;
  for (int c; (c = std::fgetc(stream)) != EOF;) text += static_cast<char>(c);
  std::fclose(stream);
  EXPECT_NE(text.find("loss 3.5 (style 2.5, temporal 1)"), std::string::npos) << text;
  EXPECT_EQ(text.find("content"), std::string::npos) << "terms the run does not use are not shown: " << text;
}

TEST(Progress, TerminalBarIsRedrawnInPlaceWithRateAndEta) {
  const std::string text = render(true, 0, 10);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 10);
  EXPECT_NE(text.find("[############............] 5/10"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA 0m03s"), std::string::npos) << text;  // 5 left at 2 it/s (rounded)
  EXPECT_EQ(text.back(), '\n');
}

TEST(Progress, RateAndEtaFollowTheRecentIterations) {
  std::FILE* stream = std::tmpfile();
  Progress progress(stream, false, 100);
  // 10 slow iterations (1 s each), then 90 at 10 it/s: the reported rate is the recent one.
  double seconds = 0;
  for (int i = 1; i <= 100; ++i) {
    seconds += i <= 10 ? 1.0 : 0.1;
    progress.update({i, 1, 1, 0, 2, seconds}, 200);
  }
  std::rewind(stream);
  std::string text;
  for (int c; (c = std::fgetc(stream)) != EOF;) text += static_cast<char>(c);
  std::fclose(stream);
  EXPECT_NE(text.find("iteration 100/200"), std::string::npos) << text;
  EXPECT_NE(text.find("10.00 it/s  ETA 0m10s"), std::string::npos) << text;
}

}  // namespace
}  // namespace impasto
