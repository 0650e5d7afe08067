// --photorealistic in the run plan: a second stage at the output size with the matting term.
#include <gtest/gtest.h>

#include "impasto/errors.h"
#include "run/run_plan.h"

namespace impasto {
namespace {

Options photo_options() {
  Options o;
  o.content = "photo.jpg";  // not read: the plan is given the content's size
  o.styles = {"style.jpg"};
  o.model_file = "random";
  o.size = 64;
  o.iterations = 7;
  return o;
}

TEST(PhotorealisticPlan, AddsASecondStageAtTheOutputSizeWithTheMattingWeight) {
  Options o = photo_options();
  o.scales = {2};
  o.photorealistic = 2500;
  const RunPlan plan = plan_run(o, ImageSize{48, 64}, false);
  ASSERT_EQ(plan.scales.size(), 3u);
  EXPECT_EQ(plan.scales[0].size, 32);
  EXPECT_FALSE(plan.scales[1].photorealistic);
  EXPECT_EQ(plan.scales[2].size, 64);
  EXPECT_EQ(plan.scales[2].height, 48);
  EXPECT_TRUE(plan.scales[2].photorealistic);
  EXPECT_EQ(plan.objective.matting_weight, 2500);
  EXPECT_EQ(plan.planned_iterations(), 21);

  o.photorealistic = 0;
  const RunPlan plain = plan_run(o, ImageSize{48, 64}, false);
  EXPECT_EQ(plain.scales.size(), 2u);
  EXPECT_EQ(plain.objective.matting_weight, 0);
}

TEST(PhotorealisticPlan, IsRefusedWithTilesAndWithoutAPhoto) {
  Options o = photo_options();
  o.photorealistic = 100;
  o.tile = 48;
  try {
    plan_run(o, ImageSize{48, 64}, false);
    ADD_FAILURE() << "accepted --tile";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--photorealistic cannot be combined with --tile"), std::string::npos);
  }
  o.tile = 0;
  o.content.clear();
  EXPECT_THROW(plan_run(o, std::nullopt, false), InputError);
  o.content = "photo.jpg";
  o.photorealistic = -1;
  EXPECT_THROW(plan_run(o, ImageSize{48, 64}, false), InputError);
}

}  // namespace
}  // namespace impasto
