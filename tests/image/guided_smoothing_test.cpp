#include "image/guided_smoothing.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "test_support.h"

namespace impasto {
namespace {

using testing::shared_image;

TEST(GuidedSmoothing, ParsesSpecsWithFastPhotoStyleDefaults) {
  EXPECT_FALSE(parse_smoothing(""));
  const auto defaults = parse_smoothing("guided");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->radius, 35);
  EXPECT_EQ(defaults->eps, 1e-3);
  const auto radius = parse_smoothing("guided:8");
  EXPECT_EQ(radius->radius, 8);
  EXPECT_EQ(radius->eps, 1e-3);
  const auto both = parse_smoothing("guided:4,0.01");
  EXPECT_EQ(both->radius, 4);
  EXPECT_EQ(both->eps, 0.01);
  for (const std::string bad : {"box", "guided:", "guided:0", "guided:2.5", "guided:4,", "guided:4,0", "guided:x,1"})
    EXPECT_THROW(parse_smoothing(bad), InputError) << bad;
}

class GuidedSmoothingOnPhoto : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(shared_image("tubingen.jpg"))) GTEST_SKIP() << "no shared images";
    guide = resize_longest(load_image(shared_image("tubingen.jpg").string(), "content"), 128);
  }
  torch::Tensor guide;
};

// The guided filter's model: the output is locally an affine function of the guide, so an image that
// already is one (here a global colour transform of the photo) comes through unchanged, edges and all.
TEST_F(GuidedSmoothingOnPhoto, KeepsAnAffineFunctionOfTheGuide) {
  const torch::Tensor a = torch::tensor({0.5, 0.2, 0.1, -0.1, 0.6, 0.2, 0.1, 0.1, 0.4}).view({3, 3});
  const torch::Tensor affine =
      (torch::mm(a, guide.reshape({3, -1})) + torch::tensor({0.1, 0.2, 0.3}).view({3, 1})).view(guide.sizes());
  const torch::Tensor smoothed = guided_smooth(affine, guide, {8, 1e-6});
  EXPECT_LT((smoothed - affine).abs().mean().item<double>(), 2e-3);
  // Also with the defaults, whose EPS is in squared 0..255 levels: flat areas of the photo (sky) are
  // not blurred into a haze, as they are when OpenCV is given 0..1 images with that EPS.
  const torch::Tensor with_defaults = guided_smooth(affine, guide, GuidedSmoothing{});
  EXPECT_LT((with_defaults - affine).abs().mean().item<double>(), 2e-3);
  EXPECT_LT((with_defaults - affine).abs().max().item<double>(), 0.05);
}

// Noise that the photo does not explain is flattened; the photo's own edges stay.
TEST_F(GuidedSmoothingOnPhoto, RemovesWhatThePhotoDoesNotExplain) {
  torch::manual_seed(4);
  const torch::Tensor noisy = guide + 0.1 * torch::randn_like(guide);
  const torch::Tensor smoothed = guided_smooth(noisy, guide, {4, 1e-3});
  const double before = (noisy - guide).square().mean().item<double>();
  const double after = (smoothed - guide).square().mean().item<double>();
  std::printf("[ figures  ] mean squared distance to the photo: noisy %.4g, guided %.4g\n", before, after);
  EXPECT_LT(after, 0.2 * before);
}

}  // namespace
}  // namespace impasto
