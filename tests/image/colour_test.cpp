#include "image/colour.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include "image/colour_preservation.h"
#include "image/image_io.h"
#include "tensor_support.h"
#include "test_support.h"

namespace impasto {
namespace {

using testing::max_difference;

TEST(Colour, YCrCbMatchesOpenCVAndRoundTrips) {
  torch::manual_seed(5);
  torch::Tensor rgb = torch::rand({1, 3, 7, 9});
  torch::Tensor hwc = rgb.squeeze(0).permute({1, 2, 0}).contiguous();
  cv::Mat mat(7, 9, CV_32FC3, hwc.data_ptr()), converted;
  cv::cvtColor(mat, converted, cv::COLOR_RGB2YCrCb);
  torch::Tensor expected =
      torch::from_blob(converted.data, {7, 9, 3}, torch::kFloat).permute({2, 0, 1}).unsqueeze(0).clone();
  torch::Tensor ycrcb = rgb_to_ycrcb(rgb);
  EXPECT_LT(max_difference(ycrcb, expected), 1e-5);
  EXPECT_LT(max_difference(ycrcb_to_rgb(ycrcb), rgb), 1e-5);
}

TEST(Colour, CombinedImageHasTheLuminanceOfOneAndTheChromaOfTheOther) {
  torch::manual_seed(6);
  torch::Tensor a = torch::rand({1, 3, 5, 5}), b = torch::rand({1, 3, 5, 5});
  torch::Tensor combined = rgb_to_ycrcb(combine_luminance(a, b));
  EXPECT_LT(max_difference(combined.narrow(1, 0, 1), rgb_to_ycrcb(a).narrow(1, 0, 1)), 1e-5);
  EXPECT_LT(max_difference(combined.narrow(1, 1, 2), rgb_to_ycrcb(b).narrow(1, 1, 2)), 1e-5);
}

TEST(Colour, MatchedLuminanceHasTheReferenceMeanAndDeviation) {
  torch::manual_seed(7);
  torch::Tensor image = torch::rand({1, 3, 16, 12}) * 0.3, reference = torch::rand({1, 3, 10, 10});
  torch::Tensor matched = matched_luminance_image(image, reference);
  torch::Tensor y = rgb_to_ycrcb(reference).narrow(1, 0, 1);
  EXPECT_NEAR(matched.mean().item<double>(), y.mean().item<double>(), 1e-5);
  EXPECT_NEAR(matched.narrow(1, 0, 1).std().item<double>(), y.std().item<double>(), 1e-5);
  EXPECT_LT(max_difference(matched.narrow(1, 0, 1), matched.narrow(1, 2, 1)), 1e-7) << "grey";
}

// Acceptance: the prepared style image of --preserve-colors histogram has the content's mean and
// covariance (real photo and painting).
TEST(Colour, HistogramPreservationGivesTheStyleTheContentsColourStatistics) {
  using testing::shared_image;
  if (!std::filesystem::exists(shared_image("starry_night.jpg"))) GTEST_SKIP() << "no shared images";
  torch::Tensor content = resize_longest(load_image(shared_image("tubingen.jpg").string(), "content"), 96);
  torch::Tensor style = resize_longest(load_image(shared_image("starry_night.jpg").string(), "style"), 96);
  const ColourPreservation colours("histogram", content);
  const ColourStatistics want = colour_statistics(content), before = colour_statistics(style),
                         after = colour_statistics(colours.style(style));
  const double mean_error = (after.mean - want.mean).abs().max().item<double>();
  const double covariance_error = (after.covariance - want.covariance).abs().max().item<double>();
  const double covariance_scale = want.covariance.abs().max().item<double>();
  std::printf("[ figures  ] mean error %.2e (before %.2e), covariance error %.2e of %.2e (before %.2e)\n", mean_error,
              (before.mean - want.mean).abs().max().item<double>(), covariance_error, covariance_scale,
              (before.covariance - want.covariance).abs().max().item<double>());
  EXPECT_LT(mean_error, 1e-5);
  EXPECT_LT(covariance_error, 1e-5 * covariance_scale);
  EXPECT_GT((before.mean - want.mean).abs().max().item<double>(), 0.02) << "the test would pass without matching";
  EXPECT_TRUE(torch::equal(colours.content(), content)) << "histogram mode leaves the content alone";
}

TEST(Colour, LuminancePreservationShowsGreyImagesAndRestoresTheContentsChroma) {
  torch::manual_seed(8);
  torch::Tensor content = torch::rand({1, 3, 8, 8}), style = torch::rand({1, 3, 6, 6});
  const ColourPreservation colours("luminance", content);
  EXPECT_LT(max_difference(colours.content().narrow(1, 0, 1), colours.content().narrow(1, 1, 1)), 1e-7);
  EXPECT_LT(max_difference(colours.style(style).narrow(1, 0, 1), colours.style(style).narrow(1, 2, 1)), 1e-7);
  torch::Tensor finished = rgb_to_ycrcb(colours.finish(torch::rand({1, 3, 8, 8})));
  EXPECT_LT(max_difference(finished.narrow(1, 1, 2), rgb_to_ycrcb(content).narrow(1, 1, 2)), 1e-5);
  const ColourPreservation none("", content);
  EXPECT_TRUE(torch::equal(none.style(style), style));
}

}  // namespace
}  // namespace impasto
