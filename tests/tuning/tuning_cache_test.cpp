#include "tuning/tuning_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "test_support.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using impasto::testing::TempDir;
using impasto::testing::write_bytes;

TEST(TuningCache, StoresAndFindsRecordsPerMachineAndKeyKeepingTheOthers) {
  TempDir dir;
  const TuningCache cache(dir / "sub" / "tuning.json");
  EXPECT_FALSE(cache.find("m1", "k1"));
  ASSERT_TRUE(cache.store("m1", "k1", {{"choice", 1}}));
  ASSERT_TRUE(cache.store("m1", "k2", {{"choice", 2}}));
  ASSERT_TRUE(cache.store("m2", "k1", {{"choice", 3}}));
  ASSERT_TRUE(cache.store("m1", "k1", {{"choice", 4}}));  // replaces
  EXPECT_EQ(cache.find("m1", "k1")->at("choice"), 4);
  EXPECT_EQ(cache.find("m1", "k2")->at("choice"), 2);
  EXPECT_EQ(cache.find("m2", "k1")->at("choice"), 3);
  EXPECT_FALSE(cache.find("m2", "k2"));
  // Written atomically: no temporary file is left beside it.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir / "sub")) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(TuningCache, AMalformedOrOldFileReadsAsEmptyAndIsReplaced) {
  TempDir dir;
  for (const std::string text : {"{not json", "[1,2]", R"({"version": 0, "machines": {"m": {"k": 1}}})"}) {
    write_bytes(dir / "tuning.json", text);
    const TuningCache cache(dir / "tuning.json");
    EXPECT_FALSE(cache.find("m", "k")) << text;
    ASSERT_TRUE(cache.store("m", "k", {{"choice", 5}}));
    EXPECT_EQ(cache.find("m", "k")->at("choice"), 5) << text;
  }
}

TEST(TuningCache, AnUnwritableFolderIsReportedNotThrown) {
  TempDir dir;
  write_bytes(dir / "file", "x");
  const TuningCache cache(dir / "file" / "tuning.json");  // a file where the folder should be
  EXPECT_FALSE(cache.store("m", "k", {{"choice", 1}}));
  EXPECT_FALSE(cache.find("m", "k"));
  EXPECT_FALSE(TuningCache("").store("m", "k", {}));
}

TEST(TuningCache, LivesInTheUsersCacheFolder) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg ? xdg : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/somewhere", 1);
  EXPECT_EQ(tuning_cache_path(), fs::path("/tmp/somewhere/impasto/tuning.json"));
  ::setenv("XDG_CACHE_HOME", "", 1);
  const char* home = std::getenv("HOME");
  if (home && *home) EXPECT_EQ(tuning_cache_path(), fs::path(home) / ".cache" / "impasto" / "tuning.json");
  if (xdg) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace impasto
