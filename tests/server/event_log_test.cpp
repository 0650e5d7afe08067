#include "server/event_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace impasto::testing {
namespace {

using namespace std::chrono_literals;

TEST(ServeEventLog, GivesEachReaderTheEventsAfterItsLastAndSaysWhenSomeWereDropped) {
  server::EventLog log(3);
  for (int i = 1; i <= 5; ++i) log.publish("tick", {{"n", i}});
  auto batch = log.wait(3, 0ms);
  ASSERT_EQ(batch.frames.size(), 2u);
  EXPECT_EQ(batch.frames[0], "event: tick\ndata: {\"n\":4}\n\n");
  EXPECT_EQ(batch.last, 5u);
  EXPECT_FALSE(batch.missed);
  batch = log.wait(0, 0ms);  // events 1 and 2 are gone
  EXPECT_TRUE(batch.missed);
  EXPECT_EQ(batch.frames.size(), 3u);
}

TEST(ServeEventLog, AWaitingReaderWakesForANewEventAndOnClose) {
  server::EventLog log;
  std::thread publisher([&] {
    std::this_thread::sleep_for(20ms);
    log.publish("hello", {{"text", "line one\nline two"}});
  });
  auto batch = log.wait(0, 10s);
  publisher.join();
  ASSERT_EQ(batch.frames.size(), 1u);
  EXPECT_EQ(batch.frames[0], "event: hello\ndata: {\"text\":\"line one\\nline two\"}\n\n");
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    log.close();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(log.wait(1, 10s).closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  closer.join();
}

}  // namespace
}  // namespace impasto::testing
