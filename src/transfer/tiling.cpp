#include "transfer/tiling.h"

#include <torch/torch.h>

#include <algorithm>
#include <random>

namespace impasto {
namespace {

// Start positions along one axis: tiles `step` apart, moved back by `shift`, the first at 0 and the
// last flush with the end.
std::vector<int64_t> starts(int64_t length, int64_t tile, int64_t step, int64_t shift) {
  if (tile >= length) return {0};
  std::vector<int64_t> result{0};
  for (int64_t at = step - shift; at < length - tile; at += step)
    if (at > 0) result.push_back(at);
  result.push_back(length - tile);
  return result;
}

// Weight of each pixel of the tile when blended into the image: 1 inside, rising linearly across
// the overlap at every edge that borders another tile rather than the image border.
torch::Tensor ramp(int64_t start, int64_t size, int64_t length, int64_t overlap) {
  torch::Tensor weight = torch::ones({size});
  const int64_t n = std::min(overlap, size / 2);
  if (n == 0) return weight;
  torch::Tensor rising = (torch::arange(n, torch::kFloat) + 0.5) / n;
  if (start > 0) weight.narrow(0, 0, n).copy_(rising);
  if (start + size < length) weight.narrow(0, size - n, n).mul_(rising.flip(0));
  return weight;
}

torch::Tensor crop(const torch::Tensor& image, const TileRect& t) {
  return image.narrow(2, t.y, t.height).narrow(3, t.x, t.width);
}

torch::Tensor seen(const TilingConfig& config, const torch::Tensor& tile, const TileRect& t) {
  return config.seen ? config.seen(tile, t) : tile;
}

}  // namespace

int tile_overlap(int tile) { return tile / 4; }

std::vector<TileRect> tile_grid(int64_t height, int64_t width, int tile, int overlap, int64_t dy, int64_t dx) {
  const int64_t step = tile - overlap;
  const int64_t tile_height = std::min<int64_t>(tile, height), tile_width = std::min<int64_t>(tile, width);
  std::vector<TileRect> tiles;
  for (int64_t y : starts(height, tile_height, step, dy))
    for (int64_t x : starts(width, tile_width, step, dx)) tiles.push_back({y, x, tile_height, tile_width});
  return tiles;
}

std::vector<TileRect> optimize_tiled(torch::Tensor& image, Objective& objective,
                                     const OptimizerConfig& optimizer, const TilingConfig& config,
                                     const PassFn& on_pass) {
  const int64_t height = image.size(2), width = image.size(3);
  const int64_t step = config.tile - config.overlap;
  std::mt19937_64 random(config.seed);
  std::vector<TileRect> tiles;
  for (int pass = 1, remaining = optimizer.iterations; remaining > 0; ++pass) {
    OptimizerConfig visit = optimizer;
    visit.iterations = std::min(config.steps, remaining);
    remaining -= visit.iterations;
    const int64_t dy = config.shift ? static_cast<int64_t>(random() % step) : 0;
    const int64_t dx = config.shift ? static_cast<int64_t>(random() % step) : 0;
    tiles = tile_grid(height, width, config.tile, config.overlap, dy, dx);
    LossValues sum;
    for (const TileRect& t : tiles) {
      objective.focus(t);
      torch::Tensor tile = crop(image, t).clone();
      LossValues last;
      optimize(tile, visit, [&](const torch::Tensor& x) { return objective.evaluate(seen(config, x, t)); },
               [&](int, const LossValues& losses, const torch::Tensor&) {
                 last = losses;
                 return true;
               });
      sum += last;
      torch::NoGradGuard no_grad;
      torch::Tensor target = crop(image, t);
      if (!config.feather) {
        target.copy_(tile);
        continue;
      }
      const torch::Tensor weight = ramp(t.y, t.height, height, config.overlap).view({-1, 1}) *
                                   ramp(t.x, t.width, width, config.overlap).view({1, -1});
      target.add_((tile - target) * weight.to(image.device()));
    }
    sum *= 1.0 / static_cast<double>(tiles.size());
    if (!on_pass(pass, sum, image)) break;
  }
  return tiles;
}

LossValues evaluate_tiled(const torch::Tensor& image, Objective& objective,
                          const TilingConfig& config) {
  const auto tiles = tile_grid(image.size(2), image.size(3), config.tile, config.overlap);
  LossValues sum;
  for (const TileRect& t : tiles) {
    objective.focus(t);
    torch::Tensor tile = crop(image, t).clone().requires_grad_(true);
    sum += objective.evaluate(seen(config, tile, t));
  }
  return sum *= 1.0 / static_cast<double>(tiles.size());
}

double seam_ratio(const torch::Tensor& image, const std::vector<TileRect>& tiles) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = image.detach()[0];
  const int64_t height = x.size(1), width = x.size(2);
  if (height < 2 || width < 2) return 1;
  constexpr int64_t kBand = 2;      // differences this close to an edge count as on it
  constexpr int64_t kRows = 256;    // rows per slice: no whole-image temporaries on large outputs
  // In a slice of rows [y0, y0 + rows): across_columns[i][j] is the squared difference (summed
  // over channels) between pixels (y0+i, j) and (y0+i, j+1); across_rows[i][j] between (y0+i, j)
  // and (y0+i+1, j). The edge between pixels e-1 and e is difference e-1; e-kBand .. e+kBand-1
  // are marked as on it.
  double edge_sum = 0, edge_count = 0, all_sum = 0, all_count = 0;
  for (int64_t y0 = 0; y0 < height; y0 += kRows) {
    const int64_t rows = std::min(kRows, height - y0), row_pairs = std::min(rows, height - 1 - y0);
    const torch::Tensor slice = x.narrow(1, y0, rows).to(torch::kCPU, torch::kFloat);
    const torch::Tensor across_columns =
        (slice.narrow(2, 1, width - 1) - slice.narrow(2, 0, width - 1)).square_().sum(0);
    torch::Tensor on_column_edge = torch::zeros({rows, width - 1}, torch::kBool);
    torch::Tensor across_rows, on_row_edge;
    if (row_pairs > 0) {
      const torch::Tensor pairs = x.narrow(1, y0, row_pairs + 1).to(torch::kCPU, torch::kFloat);
      across_rows = (pairs.narrow(1, 1, row_pairs) - pairs.narrow(1, 0, row_pairs)).square_().sum(0);
      on_row_edge = torch::zeros({row_pairs, width}, torch::kBool);
    }
    // Marks [lo, hi) x [from, from + length) of the whole-image mask, clipped to this slice.
    auto mark = [&](torch::Tensor& mask, int64_t lo_row, int64_t hi_row, int64_t lo_col, int64_t hi_col) {
      if (!mask.defined()) return;
      lo_row = std::max(lo_row, y0) - y0;
      hi_row = std::min(hi_row, y0 + mask.size(0)) - y0;
      lo_col = std::max<int64_t>(lo_col, 0);
      hi_col = std::min(hi_col, mask.size(1));
      if (hi_row > lo_row && hi_col > lo_col) mask.narrow(0, lo_row, hi_row - lo_row).narrow(1, lo_col, hi_col - lo_col).fill_(true);
    };
    for (const TileRect& t : tiles) {
      for (const int64_t edge : {t.x, t.x + t.width})
        if (edge > 0 && edge < width) mark(on_column_edge, t.y, t.y + t.height, edge - kBand, edge + kBand);
      for (const int64_t edge : {t.y, t.y + t.height})
        if (edge > 0 && edge < height) mark(on_row_edge, edge - kBand, edge + kBand, t.x, t.x + t.width);
    }
    edge_sum += across_columns.masked_select(on_column_edge).sum().item<double>();
    edge_count += on_column_edge.sum().item<double>();
    all_sum += across_columns.sum().item<double>();
    all_count += static_cast<double>(across_columns.numel());
    if (row_pairs > 0) {
      edge_sum += across_rows.masked_select(on_row_edge).sum().item<double>();
      edge_count += on_row_edge.sum().item<double>();
      all_sum += across_rows.sum().item<double>();
      all_count += static_cast<double>(across_rows.numel());
    }
  }
  if (edge_count == 0 || all_count == edge_count) return 1;
  const double inside = (all_sum - edge_sum) / (all_count - edge_count);
  return inside > 0 ? edge_sum / edge_count / inside : 1;
}

}  // namespace impasto
