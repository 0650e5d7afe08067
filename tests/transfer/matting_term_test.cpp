// The "matting" loss term (photorealism, --photorealistic) inside an objective.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "transfer/matting_laplacian.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

ObjectiveConfig matting_only(double weight) {
  const NetworkSpec& spec = network_spec("squeezenet");
  ObjectiveConfig c;
  c.content_layers = parse_layer_weights("fire2", spec, "content");
  c.style_layers = parse_layer_weights("fire2", spec, "style");
  c.content_weight = c.style_weight = c.tv_weight = 0;
  c.matting_weight = weight;
  return c;
}

TEST(MattingTerm, IsTheWeightedLaplacianEnergyPerPixelWithGradient2LV) {
  torch::manual_seed(9);
  const ObjectiveConfig c = matting_only(300);
  Network network(network_spec("squeezenet"), nullptr, Objective::taps(c));
  const torch::Tensor content = torch::rand({1, 3, 12, 14});
  Objective objective(network, c, content, {torch::rand({1, 3, 16, 16})}, {});
  ASSERT_EQ(objective.terms().size(), 1u);
  EXPECT_EQ(objective.terms()[0]->name(), "matting");

  torch::Tensor x = torch::rand({1, 3, 12, 14}).requires_grad_(true);
  const LossValues losses = objective.evaluate(x);
  const MattingLaplacian laplacian(content);
  const double pixels = 12 * 14;
  EXPECT_NEAR(losses["matting"], 300 * laplacian.energy(x) / pixels, 1e-4 * losses["matting"]);
  EXPECT_NEAR(losses.total, losses["matting"], 1e-9);
  const torch::Tensor expected = 2 * 300 / pixels * laplacian.apply(x.detach());
  EXPECT_LT((x.grad() - expected).abs().max().item<double>(), 1e-4 * expected.abs().max().item<double>());
  // The content itself is a (trivially) affine function of the content: no photorealism loss.
  torch::Tensor same = content.clone().requires_grad_(true);
  EXPECT_LT(objective.evaluate(same)["matting"], 1e-5 * losses["matting"]);
}

TEST(MattingTerm, IsLeftOutWithoutWeightOrContent) {
  const ObjectiveConfig off = matting_only(0), on = matting_only(10);
  Network network(network_spec("squeezenet"), nullptr, Objective::taps(on));
  const std::vector<torch::Tensor> styles{torch::rand({1, 3, 16, 16})};
  EXPECT_TRUE(Objective(network, off, torch::rand({1, 3, 8, 8}), styles, {}).terms().empty());
  EXPECT_TRUE(Objective(network, on, torch::Tensor(), styles, {}).terms().empty()) << "texture: no photo";
}

}  // namespace
}  // namespace impasto
