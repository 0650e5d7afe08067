#pragma once
#include <opencv2/core.hpp>

#include <string>

namespace impasto {

// Middlebury .flo files: "PIEH", width, height (int32), then (u, v) float32 pairs row by row.
// Written through a temporary file renamed into place. read_flo throws InputError for a missing,
// truncated or foreign file.
void write_flo(const std::string& path, const cv::Mat& flow);
cv::Mat read_flo(const std::string& path);

}  // namespace impasto
