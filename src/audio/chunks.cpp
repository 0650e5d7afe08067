#include "audio/chunks.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace impasto {

std::vector<FrameChunk> plan_chunks(int64_t total, int64_t chunk, int64_t overlap) {
  if (chunk <= overlap || overlap < 0) throw std::invalid_argument("plan_chunks: chunk must exceed overlap >= 0");
  if (total <= chunk) return {{0, total}};
  const int64_t count = (total - overlap + (chunk - overlap) - 1) / (chunk - overlap);
  const int64_t length = (total + (count - 1) * overlap + count - 1) / count;  // <= chunk
  std::vector<FrameChunk> chunks;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t start = i * (length - overlap);
    chunks.push_back({start, std::min(length, total - start)});
  }
  return chunks;
}

void crossfade_into(torch::Tensor& whole, const torch::Tensor& part, const FrameChunk& chunk, int64_t overlap) {
  torch::NoGradGuard no_grad;
  const int64_t dim = whole.dim() - 1;
  const int64_t fade = std::min(overlap, chunk.length);
  torch::Tensor target = whole.narrow(dim, chunk.start, chunk.length);
  if (fade > 0) {
    // Weights of the new chunk: (i + 0.5) / fade, rising across the overlap.
    const torch::Tensor rise = (torch::arange(fade, whole.options()) + 0.5) / static_cast<double>(fade);
    torch::Tensor head = target.narrow(dim, 0, fade);
    head.mul_(1 - rise).add_(part.narrow(dim, 0, fade) * rise);
  }
  target.narrow(dim, fade, chunk.length - fade).copy_(part.narrow(dim, fade, chunk.length - fade));
}

}  // namespace impasto
