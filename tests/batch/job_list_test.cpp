#include "batch/job_list.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"
#include "test_support.h"

namespace impasto::batch {
namespace {

TEST(BatchJobList, OutputNamesJoinContentAndStyleStems) {
  EXPECT_EQ(output_name("photos/tubingen.jpg", {"art/starry_night.jpg"}, "png"), "tubingen__starry_night.png");
  EXPECT_EQ(output_name("a b/my photo (1).JPG", {"x.png", "y.tif"}, "jpg"), "my_photo__1___x+y.jpg");
  EXPECT_EQ(output_name("", {"x.png"}, "png"), "texture__x.png");
}

TEST(BatchJobList, PairsRunContentsOuterStylesInner) {
  const GivenOptions common = {{"--size", {"128"}}, {"--normalize-gradients", {}}};
  const auto jobs = pair_jobs({"p/a.jpg", "p/b.jpg"}, {"s/x.jpg", "s/y.jpg"}, common, "png");
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[0].name, "a__x.png");
  EXPECT_EQ(jobs[1].name, "a__y.png");
  EXPECT_EQ(jobs[2].name, "b__x.png");
  EXPECT_EQ(option_words(jobs[3].options),
            (std::vector<std::string>{"--content", "p/b.jpg", "--style", "s/y.jpg", "--output", "b__y.png", "--size",
                                      "128", "--normalize-gradients"}));
}

TEST(BatchJobList, ImageFilesListsFoldersSortedAndKeepsFiles) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "photos");
  for (const char* name : {"b.jpg", "a.PNG", "notes.txt", "c.webp"}) testing::write_bytes(dir / "photos" / name, "x");
  std::filesystem::create_directories(dir / "photos" / "sub.jpg");  // a folder is not an image
  const auto files = image_files({(dir / "photos").string(), (dir / "photos" / "notes.txt").string()}, "--content");
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(std::filesystem::path(files[0]).filename(), "a.PNG");
  EXPECT_EQ(std::filesystem::path(files[1]).filename(), "b.jpg");
  EXPECT_EQ(std::filesystem::path(files[2]).filename(), "c.webp");
  EXPECT_EQ(std::filesystem::path(files[3]).filename(), "notes.txt");  // named files are taken as they are
  try {
    image_files({(dir / "missing").string()}, "--style");
    FAIL() << "a missing folder was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--style '"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no such file or folder"), std::string::npos) << e.what();
  }
  std::filesystem::create_directories(dir / "empty");
  EXPECT_THROW(image_files({(dir / "empty").string()}, "--style"), InputError);
}

TEST(BatchJobList, ManifestLineOverridesCommonOptionsAndNamesItsOutput) {
  const GivenOptions common = {{"--size", {"128"}}, {"--style", {"s/x.jpg"}}, {"--iterations", {"5"}}};
  const auto job = manifest_job({{"--content", {"p/a.jpg"}}, {"--size", {"64"}}}, common, "png", "line 1");
  EXPECT_EQ(job.name, "a__x.png");
  EXPECT_EQ(option_words(job.options),
            (std::vector<std::string>{"--content", "p/a.jpg", "--size", "64", "--style", "s/x.jpg", "--iterations",
                                      "5", "--output", "a__x.png"}));
  const auto named = manifest_job({{"--content", {"p/a.jpg"}}, {"--style", {"s/y.jpg", "s/z.jpg"}},
                                   {"--output", {"mine.jpg"}}}, common, "png", "line 2");
  EXPECT_EQ(named.name, "mine.jpg");
  const auto blended = manifest_job({{"--content", {"p/a.jpg"}}, {"--style", {"s/y.jpg", "s/z.jpg"}}}, {}, "png", "l");
  EXPECT_EQ(blended.name, "a__y+z.png");
}

TEST(BatchJobList, ManifestLineErrorsNameTheLine) {
  try {
    manifest_job({{"--style", {"s/x.jpg"}}}, {}, "png", "jobs.txt line 3");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "jobs.txt line 3: --content is required");
  }
  EXPECT_THROW(manifest_job({{"--content", {"a.jpg"}}, {"--style", {"b.jpg"}}, {"--output", {"../x.png"}}}, {}, "png", "l"),
               InputError);
}

TEST(BatchJobList, TwoJobsWritingOneNameAreRefused) {
  const auto jobs = pair_jobs({"p/a.jpg", "q/a.png"}, {"s/x.jpg"}, {}, "png");
  try {
    check_unique_names(jobs);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("jobs 1 and 2 would both write 'a__x.png'"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_unique_names(pair_jobs({"p/a.jpg", "p/b.jpg"}, {"s/x.jpg"}, {}, "png")));
}

TEST(BatchJobList, ManifestTextRoundTripsThroughTheParser) {
  const std::vector<BatchJob> jobs = {{"a.png", {{"--content", {"my photos/it's.jpg"}}, {"--output", {"a.png"}}}},
                                      {"b.png", {{"--content", {"p/b.jpg"}}, {"--normalize-gradients", {}}}}};
  const std::string text = manifest_text(jobs, "header one\nheader two");
  EXPECT_EQ(text.substr(0, 28), "# header one\n# header two\n--");
  const auto lines = manifest_lines(text + "\n   # a comment\n\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].number, 3);
  EXPECT_EQ(lines[0].words, option_words(jobs[0].options));
  EXPECT_EQ(lines[1].words, option_words(jobs[1].options));
  EXPECT_EQ(output_word(lines[0].words), "a.png");
  EXPECT_EQ(output_word({"-o", "x.png", "--output=y.png"}), "y.png");
  EXPECT_EQ(split_words("a \"b c\" d\\ e 'f'\"g\""), (std::vector<std::string>{"a", "b c", "d e", "fg"}));
  EXPECT_THROW(manifest_lines("--content 'open"), InputError);
}

TEST(BatchJobList, ChunksAndArraySpecs) {
  EXPECT_EQ(chunk_count(12, 4), 3);
  EXPECT_EQ(chunk_count(13, 4), 4);
  EXPECT_EQ(chunk_jobs(1, 12, 4), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(chunk_jobs(3, 13, 4), (std::vector<int>{12}));
  EXPECT_TRUE(chunk_jobs(4, 13, 4).empty());
  EXPECT_EQ(array_spec({0, 1, 2}, 0), "0-2");
  EXPECT_EQ(array_spec({0, 1, 2, 5, 7, 8}, 32), "0-2,5,7-8%32");
  EXPECT_EQ(array_spec({1}, 0), "1");
}

}  // namespace
}  // namespace impasto::batch
