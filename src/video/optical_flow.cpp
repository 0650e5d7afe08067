#include "video/optical_flow.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/optflow.hpp>
#include <opencv2/video/tracking.hpp>

#include "impasto/errors.h"

namespace impasto {

FlowMethod parse_flow_method(const std::string& name) {
  if (name == "dis") return FlowMethod::Dis;
  if (name == "deepflow") return FlowMethod::DeepFlow;
  if (name == "tvl1") return FlowMethod::TvL1;
  if (name == "rlof") return FlowMethod::Rlof;
  throw InputError("--flow must be dis, deepflow, tvl1 or rlof, got '" + name + "'");
}

std::string flow_method_name(FlowMethod method) {
  switch (method) {
    case FlowMethod::Dis: return "dis";
    case FlowMethod::DeepFlow: return "deepflow";
    case FlowMethod::TvL1: return "tvl1";
    case FlowMethod::Rlof: return "rlof";
  }
  return "dis";
}

cv::Mat compute_flow(const cv::Mat& from, const cv::Mat& to, FlowMethod method) {
  CV_Assert(from.type() == CV_8UC3 && to.type() == CV_8UC3 && from.size() == to.size());
  cv::Mat flow;
  if (method == FlowMethod::Rlof) {  // RLOF works on colour images
    cv::optflow::createOptFlow_DenseRLOF()->calc(from, to, flow);
    return flow;
  }
  cv::Mat from_gray, to_gray;
  cv::cvtColor(from, from_gray, cv::COLOR_BGR2GRAY);
  cv::cvtColor(to, to_gray, cv::COLOR_BGR2GRAY);
  cv::Ptr<cv::DenseOpticalFlow> algorithm;
  switch (method) {
    case FlowMethod::Dis: algorithm = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM); break;
    case FlowMethod::DeepFlow: algorithm = cv::optflow::createOptFlow_DeepFlow(); break;
    case FlowMethod::TvL1: algorithm = cv::optflow::DualTVL1OpticalFlow::create(); break;
    case FlowMethod::Rlof: break;
  }
  algorithm->calc(from_gray, to_gray, flow);
  return flow;
}

}  // namespace impasto
