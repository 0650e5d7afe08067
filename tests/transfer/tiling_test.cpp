#include "transfer/tiling.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "image/image_io.h"
#include "test_support.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

// Every pixel is covered, tiles stay inside the image, and neighbours overlap by at least `overlap`.
void expect_valid_grid(int64_t height, int64_t width, int tile, int overlap, int64_t dy, int64_t dx) {
  const auto tiles = tile_grid(height, width, tile, overlap, dy, dx);
  torch::Tensor covered = torch::zeros({height, width}, torch::kInt);
  std::set<int64_t> ys, xs;
  for (const auto& t : tiles) {
    ASSERT_GE(t.y, 0);
    ASSERT_GE(t.x, 0);
    ASSERT_LE(t.y + t.height, height);
    ASSERT_LE(t.x + t.width, width);
    EXPECT_EQ(t.height, std::min<int64_t>(tile, height));
    EXPECT_EQ(t.width, std::min<int64_t>(tile, width));
    covered.narrow(0, t.y, t.height).narrow(1, t.x, t.width).add_(1);
    ys.insert(t.y);
    xs.insert(t.x);
  }
  EXPECT_GT(covered.min().item<int>(), 0);
  for (const auto* starts : {&ys, &xs}) {
    const int64_t side = starts == &ys ? std::min<int64_t>(tile, height) : std::min<int64_t>(tile, width);
    for (auto it = starts->begin(); std::next(it) != starts->end(); ++it)
      EXPECT_GE(*it + side - *std::next(it), overlap) << "gap after tile at " << *it;
  }
}

TEST(TileGrid, CoversTheImageWithOverlappingTilesInside) {
  expect_valid_grid(192, 256, 96, 24, 0, 0);
  expect_valid_grid(192, 256, 96, 24, 71, 13);
  expect_valid_grid(3072, 4096, 512, 128, 200, 383);
  expect_valid_grid(80, 300, 96, 24, 5, 5);  // the image is lower than a tile
  EXPECT_EQ(tile_grid(192, 256, 96, 24).size(), 3u * 4u);
}

TEST(SeamRatio, IsAboutOneForSmoothNoiseAndHighAtAHardEdge) {
  torch::manual_seed(1);
  torch::Tensor image = torch::rand({1, 3, 64, 64});
  const std::vector<TileRect> tiles = {{0, 0, 64, 40}, {0, 24, 64, 40}};
  EXPECT_NEAR(seam_ratio(image, tiles), 1.0, 0.15);
  image.narrow(3, 40, 24).add_(1.0);  // a step at the first tile's right edge
  EXPECT_GT(seam_ratio(image, tiles), 1.5);
}

// Taller than one slice of rows: a step along a row edge that falls in the second slice, and one
// exactly on the boundary between slices, are both found; without steps the ratio stays near 1.
TEST(SeamRatio, FindsRowEdgesInEverySliceOfATallImage) {
  torch::manual_seed(2);
  for (const int64_t edge : {300, 256}) {
    torch::Tensor image = torch::rand({1, 3, 600, 32});
    const std::vector<TileRect> tiles = {{0, 0, edge, 32}, {edge - 8, 0, 600 - edge + 8, 32}};
    EXPECT_NEAR(seam_ratio(image, tiles), 1.0, 0.15) << edge;
    image.narrow(2, edge, 600 - edge).add_(1.0);  // a step at the first tile's bottom edge
    EXPECT_GT(seam_ratio(image, tiles), 1.5) << edge;
  }
}

// Tiled optimisation with the real SqueezeNet: a 256 px picture in 96 px tiles shows no seam when
// the grid moves and the tiles are blended in, and the same measure finds the seams of tiles
// pasted on a fixed grid.
TEST(TiledOptimisation, SuppressesSeams) {
  namespace t = impasto::testing;
  if (!std::filesystem::exists(t::squeezenet_file()) || !std::filesystem::exists(t::shared_image("tubingen.jpg")))
    GTEST_SKIP() << "shared models/images not present";
  const NetworkSpec& spec = network_spec("squeezenet");
  ObjectiveConfig config;
  config.content_layers = parse_layer_weights(spec.default_content_layers, spec, "content");
  config.style_layers = parse_layer_weights(spec.default_style_layers, spec, "style");
  config.style_weight = 100;
  config.tv_weight = 1;
  config.windowed = true;
  Network network(spec, open_weights(t::squeezenet_file()).get(), Objective::taps(config));
  const torch::Tensor content = resize_longest(load_image(t::shared_image("tubingen.jpg").string(), "content"), 256);
  const torch::Tensor style = resize_longest(load_image(t::shared_image("starry_night.jpg").string(), "style"), 96);
  Objective objective(network, config, content, {style}, {});

  OptimizerConfig optimizer;
  optimizer.iterations = 20;
  auto run = [&](bool suppress) {
    TilingConfig tiling;
    tiling.tile = 96;
    tiling.overlap = tile_overlap(96);
    tiling.shift = tiling.feather = suppress;
    torch::Tensor image = content.clone();
    double first_style = 0, last_style = 0;
    const auto tiles = optimize_tiled(image, objective, optimizer, tiling,
                                      [&](int pass, const LossValues& losses, const torch::Tensor&) {
                                        (pass == 1 ? first_style : last_style) = losses["style"];
                                        return true;
                                      });
    EXPECT_LT(last_style, first_style);
    EXPECT_LT(evaluate_tiled(image, objective, tiling)["style"], first_style);
    return seam_ratio(image, tiles);
  };
  const double suppressed = run(true), pasted = run(false);
  EXPECT_NEAR(suppressed, 1.0, 0.12);  // measured 1.03
  EXPECT_GT(pasted, suppressed + 0.1);  // measured 1.20
  std::printf("seam ratio: %.3f shifted and blended, %.3f pasted on a fixed grid\n", suppressed, pasted);
}

}  // namespace
}  // namespace impasto
