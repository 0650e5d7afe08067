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

LossValues mean_of(const LossValues& sum, size_t count) {
  const double n = std::max<size_t>(count, 1);
  return {sum.content / n, sum.style / n, sum.tv / n, sum.total / n};
}

void accumulate(LossValues& sum, const LossValues& l) {
  sum.content += l.content;
  sum.style += l.style;
  sum.tv += l.tv;
  sum.total += l.total;
}

// Points the objective at one tile: its content targets and its part of the region guides.
void focus(Objective& objective, const torch::Tensor& content, const TileRect& t) {
  if (content.defined()) objective.set_content(crop(content, t));
  objective.set_guide_window(t.y, t.x, t.height, t.width);
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

std::vector<TileRect> optimize_tiled(torch::Tensor& image, const torch::Tensor& content, Objective& objective,
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
      focus(objective, content, t);
      torch::Tensor tile = crop(image, t).clone();
      LossValues last;
      optimize(tile, visit, [&](const torch::Tensor& x) { return objective.evaluate(seen(config, x, t)); },
               [&](int, const LossValues& losses, const torch::Tensor&) {
                 last = losses;
                 return true;
               });
      accumulate(sum, last);
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
    if (!on_pass(pass, mean_of(sum, tiles.size()), image)) break;
  }
  return tiles;
}

LossValues evaluate_tiled(const torch::Tensor& image, const torch::Tensor& content, Objective& objective,
                          const TilingConfig& config) {
  const auto tiles = tile_grid(image.size(2), image.size(3), config.tile, config.overlap);
  LossValues sum;
  for (const TileRect& t : tiles) {
    focus(objective, content, t);
    torch::Tensor tile = crop(image, t).clone().requires_grad_(true);
    accumulate(sum, objective.evaluate(seen(config, tile, t)));
  }
  return mean_of(sum, tiles.size());
}

double seam_ratio(const torch::Tensor& image, const std::vector<TileRect>& tiles) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = image.detach().to(torch::kCPU, torch::kFloat)[0];
  const int64_t height = x.size(1), width = x.size(2);
  if (height < 2 || width < 2) return 1;
  // Squared differences summed over the channels, one channel at a time to bound the memory:
  // across_columns[i][j] between pixels (i, j) and (i, j+1), across_rows[i][j] between (i, j), (i+1, j).
  torch::Tensor across_columns = torch::zeros({height, width - 1}), across_rows = torch::zeros({height - 1, width});
  for (int64_t c = 0; c < x.size(0); ++c) {
    const torch::Tensor channel = x[c];
    across_columns.add_((channel.narrow(1, 1, width - 1) - channel.narrow(1, 0, width - 1)).square_());
    across_rows.add_((channel.narrow(0, 1, height - 1) - channel.narrow(0, 0, height - 1)).square_());
  }
  constexpr int64_t kBand = 2;  // differences this close to an edge count as on it
  torch::Tensor on_column_edge = torch::zeros({height, width - 1}, torch::kBool);
  torch::Tensor on_row_edge = torch::zeros({height - 1, width}, torch::kBool);
  // The edge between pixels e-1 and e is difference e-1; mark e-kBand .. e+kBand-1.
  auto mark = [&](torch::Tensor& mask, int64_t dim, int64_t edge, int64_t from, int64_t length) {
    const int64_t limit = mask.size(dim);
    const int64_t lo = std::max<int64_t>(0, edge - kBand), hi = std::min(limit, edge + kBand);
    if (edge <= 0 || edge >= limit + 1 || hi <= lo) return;
    mask.narrow(dim, lo, hi - lo).narrow(1 - dim, from, length).fill_(true);
  };
  for (const TileRect& t : tiles) {
    mark(on_column_edge, 1, t.x, t.y, t.height);
    mark(on_column_edge, 1, t.x + t.width, t.y, t.height);
    mark(on_row_edge, 0, t.y, t.x, t.width);
    mark(on_row_edge, 0, t.y + t.height, t.x, t.width);
  }
  const double edge_sum = across_columns.masked_select(on_column_edge).sum().item<double>() +
                          across_rows.masked_select(on_row_edge).sum().item<double>();
  const double edge_count = on_column_edge.sum().item<double>() + on_row_edge.sum().item<double>();
  const double all_sum = across_columns.sum().item<double>() + across_rows.sum().item<double>();
  const double all_count = static_cast<double>(across_columns.numel() + across_rows.numel());
  if (edge_count == 0 || all_count == edge_count) return 1;
  const double inside = (all_sum - edge_sum) / (all_count - edge_count);
  return inside > 0 ? edge_sum / edge_count / inside : 1;
}

}  // namespace impasto
