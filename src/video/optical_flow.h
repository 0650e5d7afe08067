#pragma once
#include <opencv2/core.hpp>

#include <string>

namespace impasto {

// Dense optical flow methods from OpenCV: DIS (core video, fast; the default), DeepFlow, Dual TV-L1 and
// dense RLOF (contrib optflow; slower, for comparison).
enum class FlowMethod { Dis, DeepFlow, TvL1, Rlof };

// Parses "dis", "deepflow", "tvl1" or "rlof"; throws InputError otherwise.
FlowMethod parse_flow_method(const std::string& name);
std::string flow_method_name(FlowMethod method);

// The flow from `from` to `to` (8-bit BGR frames of one size) as CV_32FC2 in `from`'s pixels:
// from(p) ≈ to(p + w(p)). warp_image(to, w) therefore brings `to` into `from`'s frame.
cv::Mat compute_flow(const cv::Mat& from, const cv::Mat& to, FlowMethod method);

}  // namespace impasto
