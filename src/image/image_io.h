#pragma once
#include <torch/types.h>

#include <string>
#include <utility>

#include "io/atomic_file.h"  // write_file_atomically

namespace impasto {

// Reads an image as [1,3,H,W] float RGB in 0..1. `role` names it in errors ("content image").
// Throws InputError for a missing, unreadable, non-regular, damaged (image/image_check.h) or
// undecodable file.
torch::Tensor load_image(const std::string& path, const std::string& role);

// Resizes so that the longer side is `longest` pixels (area filter down, cubic up).
torch::Tensor resize_longest(const torch::Tensor& image, int longest);
// The {height, width} that resize_longest gives an image of this size.
std::pair<int64_t, int64_t> longest_side_size(int64_t height, int64_t width, int longest);
torch::Tensor resize_to(const torch::Tensor& image, int64_t height, int64_t width);

// Throws InputError when OpenCV cannot write this file type, before any work is done.
void check_writable_image_path(const std::string& path);

// [1,3,H,W] or [3,H,W] values in [0,1] as [H,W,3] integer pixels, channels kept in order: uint8 for
// 8 bits, int32 holding 0..65535 for 16 (torch has no uint16).
torch::Tensor pixel_values(const torch::Tensor& image, int bit_depth = 8);

// Writes [1,3,H,W] RGB 0..1 (clamped), encoded in memory and written with write_file_atomically, so
// that a failed, interrupted or full-disk write never leaves a partial image nor replaces a good one.
// bit_depth 16 (PNG, TIFF) keeps 1/65535 steps.
void save_image(const torch::Tensor& image, const std::string& path, int bit_depth = 8);

// [1,3,H,W] RGB 0..1 (clamped) encoded as 8-bit PNG bytes (for previews).
std::string encode_png(const torch::Tensor& image);

}  // namespace impasto
