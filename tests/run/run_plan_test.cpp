#include "run/run_plan.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "image/image_io.h"
#include "impasto/errors.h"
#include "test_support.h"

namespace impasto {
namespace {
namespace t = impasto::testing;

Options photo_run(const std::string& model = "squeezenet") {
  Options o;
  o.content = t::shared_image("tubingen.jpg").string();
  o.styles = {t::shared_image("starry_night.jpg").string()};
  o.model = model;
  o.model_dir = (t::shared_dir() / "models").string();
  return o;
}

TEST(RunPlan, ResolvesSizesLayersAndIterationsOnce) {
  if (!std::filesystem::exists(t::squeezenet_file())) GTEST_SKIP() << "shared SqueezeNet weights not present";
  Options o = photo_run();
  o.size = 200;
  o.scales = {100, 200};
  o.tile = 150;
  o.iterations = 7;
  const RunPlan plan = plan_run(o);
  const torch::Tensor content = load_image(o.content, "content");
  ASSERT_EQ(plan.scales.size(), 2u);
  for (const auto& scale : plan.scales) {
    const torch::Tensor resized = resize_longest(content, scale.size);
    EXPECT_EQ(scale.height, resized.size(2));
    EXPECT_EQ(scale.width, resized.size(3));
  }
  EXPECT_FALSE(plan.scales[0].tiled);
  EXPECT_TRUE(plan.scales[1].tiled);
  EXPECT_EQ(plan.planned_iterations(), 14);
  EXPECT_EQ(plan.optimizer.iterations, 7);
  EXPECT_EQ(plan.content_width, content.size(3));
  EXPECT_EQ(plan.spec->name, "squeezenet");
  EXPECT_EQ(plan.input_source, "network default");
  EXPECT_TRUE(plan.notes.empty());
  EXPECT_EQ(plan.objective.content_weight, o.content_weight);
  EXPECT_EQ(plan.objective.style_weight, o.style_weight);
  EXPECT_FALSE(plan.objective.style_layers.empty());
}

TEST(RunPlan, CutsDefaultLayersToAPartialWeightsFileAndSaysSo) {
  if (!std::filesystem::exists(t::vgg19_partial_dir())) GTEST_SKIP() << "shared vgg19-partial weights not present";
  Options o = photo_run("vgg19");
  o.model_file = t::vgg19_partial_dir().string();
  const RunPlan plan = plan_run(o);
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("holds only the first part of vgg19"), std::string::npos) << plan.notes[0];
  ASSERT_EQ(plan.objective.content_layers.size(), 1u);
  EXPECT_EQ(plan.objective.content_layers[0].layer, "relu3_1");
  // Not opening the file: the network's own defaults stand.
  const RunPlan unopened = plan_run(o, std::nullopt, false);
  EXPECT_TRUE(unopened.notes.empty());
  EXPECT_EQ(unopened.objective.content_layers[0].layer, "relu4_2");
}

TEST(RunPlan, TakesTheContentSizeFromTheCallerWithoutReadingAFile) {
  Options o = photo_run();
  o.content = "/nonexistent/frame.png";
  o.model_file = "random";
  o.size = 64;
  const RunPlan plan = plan_run(o, ImageSize{90, 160});
  EXPECT_TRUE(plan.random_weights());
  EXPECT_EQ(plan.output_scale().width, 64);
  EXPECT_EQ(plan.output_scale().height, 36);
  EXPECT_THROW(plan_run(o), InputError);  // without a size, the file is read
}

TEST(RunPlan, DefaultsAreTheOptionsDefaults) {
  const Options d;
  const nlohmann::json defaults = run_defaults();
  EXPECT_EQ(defaults["iterations"], d.iterations);
  EXPECT_EQ(defaults["size"], d.size);
  EXPECT_EQ(defaults["content_weight"], d.content_weight);
  EXPECT_EQ(defaults["tv_weight"], d.tv_weight);
}

}  // namespace
}  // namespace impasto
