#pragma once
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace impasto {

// A span of spectrogram frames optimised on its own.
struct FrameChunk {
  int64_t start = 0, length = 0;
};

// Chunks of at most `chunk` frames, equal in length but for the last, covering [0, total); each
// starts `overlap` frames before the previous one ends. One chunk when total <= chunk.
// Requires chunk > overlap >= 0.
std::vector<FrameChunk> plan_chunks(int64_t total, int64_t chunk, int64_t overlap);

// Writes `part` (the chunk's frames, along the last dimension) into `whole`: over the first
// `overlap` frames it fades linearly from what `whole` holds there (the previous chunk) to `part`.
void crossfade_into(torch::Tensor& whole, const torch::Tensor& part, const FrameChunk& chunk, int64_t overlap);

}  // namespace impasto
