#include "image/post_filters.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "image/colour.h"
#include "image/image_io.h"
#include "impasto/errors.h"
#include "impasto/options.h"
#include "tensor_support.h"
#include "test_support.h"

namespace impasto {
namespace {

using testing::shared_image;

using testing::max_difference;

// Mean squared response of the discrete Laplacian: the energy of the finest detail (and of noise).
double high_frequency_energy(const torch::Tensor& image) {
  const torch::Tensor x = image.to(torch::kDouble);
  const int64_t h = x.size(2), w = x.size(3);
  const torch::Tensor centre = x.narrow(2, 1, h - 2).narrow(3, 1, w - 2);
  const torch::Tensor laplacian = x.narrow(2, 0, h - 2).narrow(3, 1, w - 2) + x.narrow(2, 2, h - 2).narrow(3, 1, w - 2) +
                                  x.narrow(2, 1, h - 2).narrow(3, 0, w - 2) + x.narrow(2, 1, h - 2).narrow(3, 2, w - 2) -
                                  4 * centre;
  return laplacian.square().mean().item<double>();
}

torch::Tensor photo(int size) {
  return resize_longest(load_image(shared_image("tubingen.jpg").string(), "content"), size);
}

class PostFilters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(shared_image("tubingen.jpg"))) GTEST_SKIP() << "no shared images";
    content = photo(96);
    // A stand-in for a stylised result: another picture's pixels at the content's size.
    image = resize_to(load_image(shared_image("starry_night.jpg").string(), "style"), content.size(2), content.size(3));
  }
  torch::Tensor content, image;
};

TEST(PostFilterSpecs, ParseKindsAndDefaults) {
  const auto filters = parse_post_filters({"match-colors", "luminance", "sharpen", "sharpen:1.5", "denoise",
                                           "denoise:12", "strength:0.25"});
  ASSERT_EQ(filters.size(), 7u);
  EXPECT_EQ(filters[0].kind, "match-colors");
  EXPECT_EQ(filters[2].amount, 0.5);
  EXPECT_EQ(filters[3].amount, 1.5);
  EXPECT_EQ(filters[4].amount, 5.0);
  EXPECT_EQ(filters[5].amount, 12.0);
  EXPECT_EQ(filters[6].kind, "strength");
  EXPECT_EQ(filters[6].amount, 0.25);
  EXPECT_TRUE(post_filters_need_content({filters[6]}));
  EXPECT_FALSE(post_filters_need_content({filters[2], filters[4]}));
}

TEST(PostFilterSpecs, BadSpecsAreRefusedWithTheirName) {
  for (const std::string spec : {"blur", "strength", "strength:1.5", "strength:-0.1", "sharpen:x", "sharpen:0",
                                 "denoise:1e9", "luminance:2", "match-colors:1", "sharpen:", ""}) {
    try {
      parse_post_filters({spec});
      ADD_FAILURE() << "accepted '" << spec << "'";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--post"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + spec), std::string::npos) << e.what();
    }
  }
}

TEST(PostFilterSpecs, ValidateRefusesContentFiltersForTextures) {
  Options o;
  o.styles = {"s.png"};
  o.post = {"sharpen"};
  EXPECT_NO_THROW(validate(o));
  o.post = {"strength:0.5"};
  EXPECT_THROW(validate(o), InputError);
  o.content = "c.png";
  EXPECT_NO_THROW(validate(o));
  o.post = {"bogus"};
  EXPECT_THROW(validate(o), InputError);
}

TEST_F(PostFilters, MatchColorsGivesTheContentsExactColourStatistics) {
  const torch::Tensor matched = apply_post_filter(image, content, {"match-colors", 0});
  const ColourStatistics want = colour_statistics(content), got = colour_statistics(matched),
                         before = colour_statistics(image);
  EXPECT_LT((got.mean - want.mean).abs().max().item<double>(), 1e-5);
  EXPECT_LT((got.covariance - want.covariance).abs().max().item<double>(), 1e-5 * want.covariance.abs().max().item<double>());
  EXPECT_GT((before.mean - want.mean).abs().max().item<double>(), 0.05) << "the test would pass without matching";
}

TEST_F(PostFilters, LuminanceKeepsTheContentsChromaAndTheImagesLuminance) {
  const torch::Tensor kept = rgb_to_ycrcb(apply_post_filter(image, content, {"luminance", 0}));
  const torch::Tensor c = rgb_to_ycrcb(content), i = rgb_to_ycrcb(image);
  EXPECT_LT(max_difference(kept.narrow(1, 1, 2), c.narrow(1, 1, 2)), 1e-5);
  EXPECT_LT(max_difference(kept.narrow(1, 0, 1), i.narrow(1, 0, 1)), 1e-5);
  EXPECT_GT(max_difference(i.narrow(1, 1, 2), c.narrow(1, 1, 2)), 0.1);
}

TEST_F(PostFilters, StrengthBlendsLinearlyWithTheContent) {
  auto at = [&](double x) { return apply_post_filter(image, content, {"strength", x}); };
  EXPECT_LT(max_difference(at(0), content), 1e-6);
  EXPECT_LT(max_difference(at(1), image), 1e-6);
  EXPECT_LT(max_difference(at(0.3), 0.7 * content + 0.3 * image), 1e-6);
  // Linear in X: equal steps make equal changes.
  EXPECT_LT(max_difference(at(0.6) - at(0.4), at(0.4) - at(0.2)), 1e-6);
}

TEST_F(PostFilters, SharpeningRaisesAndDenoisingLowersHighFrequencyEnergy) {
  torch::manual_seed(3);
  const torch::Tensor noisy = (content + 0.05 * torch::randn_like(content)).clamp(0, 1);
  const double base = high_frequency_energy(content), noisy_energy = high_frequency_energy(noisy);
  const double sharpened = high_frequency_energy(apply_post_filter(content, content, {"sharpen", 0.5}));
  const double stronger = high_frequency_energy(apply_post_filter(content, content, {"sharpen", 1.5}));
  const double denoised = high_frequency_energy(apply_post_filter(noisy, content, {"denoise", 10}));
  std::printf("[ figures  ] Laplacian energy: photo %.3g, sharpen:0.5 %.3g, sharpen:1.5 %.3g; noisy %.3g, "
              "denoise:10 %.3g\n", base, sharpened, stronger, noisy_energy, denoised);
  EXPECT_GT(sharpened, 1.5 * base);
  EXPECT_GT(stronger, 1.5 * sharpened);
  EXPECT_LT(denoised, 0.5 * noisy_energy);
  // Denoising keeps the picture: closer to the clean photo than the noisy input was.
  const torch::Tensor cleaned = apply_post_filter(noisy, content, {"denoise", 10});
  EXPECT_LT((cleaned - content).square().mean().item<double>(), (noisy - content).square().mean().item<double>());
}

TEST_F(PostFilters, ApplyPostRunsTheListInOrder) {
  Options o;
  o.post = {"match-colors", "strength:0.5"};
  const torch::Tensor expected = 0.5 * content + 0.5 * apply_post_filter(image, content, {"match-colors", 0});
  EXPECT_LT(max_difference(apply_post(image, content, o), expected), 1e-6);
  o.post.clear();
  EXPECT_TRUE(torch::equal(apply_post(image, content, o), image));
}

}  // namespace
}  // namespace impasto
