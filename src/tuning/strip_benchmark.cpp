#include "tuning/strip_benchmark.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "nets/max_pool.h"
#include "nets/network.h"
#include "transfer/losses.h"

namespace impasto {
namespace {

constexpr int64_t kMinimumRows = 2;

// Input rows that give `rows` output rows through a window.
int64_t input_rows(int64_t rows, int64_t kernel, int64_t stride, int64_t padding) {
  return std::max<int64_t>(1, (rows - 1) * stride + kernel - 2 * padding);
}

// Restores the default generator's state when it goes: tuning must not change a seeded run.
class KeepRandomState {
 public:
  KeepRandomState() : generator_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    state_ = generator_.get_state();
  }
  ~KeepRandomState() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(state_);
  }

 private:
  at::Generator generator_;
  at::Tensor state_;
};

}  // namespace

StripBenchmark::StripBenchmark(const NetworkSpec& spec, const NetworkConfig& config,
                               const std::vector<std::string>& taps, int64_t height, int64_t width,
                               double target_gflop) {
  KeepRandomState keep;
  NetworkConfig random_config = config;
  random_config.channels_last = false;  // each run converts to its layout
  const Network network(spec, nullptr, taps, random_config);
  std::set<std::string> tapped;
  for (const auto& tap : taps) tapped.insert(spec.node(tap).name);
  const auto shapes = network.shapes(height, width);
  const auto convs = network.convolutions();
  // Forward plus input gradient: twice the forward's multiply-adds for a convolution and a Gram.
  auto conv_gflop = [](const Network::NodeShape& s, int64_t rows) {
    const NodeSpec& n = *s.spec;
    return 2.0 * 2.0 * s.in_channels * n.out_channels * n.kernel * n.kernel * rows * s.width / 1e9;
  };
  auto gram_gflop = [](const Network::NodeShape& s, int64_t rows) {
    return 2.0 * 2.0 * s.channels * s.channels * rows * s.width / 1e9;
  };
  double full = 0;
  for (const auto& s : shapes) {
    if (s.spec->op == NodeOp::Conv) full += conv_gflop(s, s.height);
    if (tapped.count(s.spec->name)) full += gram_gflop(s, s.height);
  }
  const double fraction = full > 0 ? std::min(1.0, target_gflop / full) : 1.0;
  auto strip_rows = [&](int64_t rows) {
    return std::clamp<int64_t>(static_cast<int64_t>(std::ceil(rows * fraction)), std::min(kMinimumRows, rows), rows);
  };

  // Identical layers (VGG's repeated 3x3 convolutions) are timed once.
  std::map<std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>, size_t> seen;
  auto add = [&](Layer layer, const Network::NodeShape& s, int64_t out_rows, int64_t in_channels) {
    const int64_t rows = strip_rows(out_rows);
    const int64_t in_rows = layer.kind == Kind::Gram ? rows : input_rows(rows, layer.kernel, layer.stride, layer.padding);
    const int64_t in_width = layer.kind == Kind::Gram ? s.width : s.in_width;
    const double factor = static_cast<double>(out_rows) / rows;
    const auto key = std::make_tuple(static_cast<int>(layer.kind), in_channels, s.channels, layer.kernel, layer.stride,
                                     layer.padding, in_rows, in_width);
    if (auto it = seen.find(key); it != seen.end() && layer.kind != Kind::Gram) {
      layers_[it->second].factor += factor;
      return;
    }
    layer.input_shape = {1, in_channels, in_rows, in_width};
    layer.factor = factor;
    if (layer.kind == Kind::Conv) strip_gflop_ += conv_gflop(s, rows);
    if (layer.kind == Kind::Gram) strip_gflop_ += gram_gflop(s, rows);
    seen[key] = layers_.size();
    layers_.push_back(std::move(layer));
  };
  size_t conv = 0;
  for (const auto& s : shapes) {
    const NodeSpec& n = *s.spec;
    if (n.op == NodeOp::Conv) {
      Layer layer{Kind::Conv, n.kernel, n.stride, n.padding};
      layer.weight = convs[conv].weight.contiguous();
      layer.bias = convs[conv].bias;
      ++conv;
      add(std::move(layer), s, s.height, s.in_channels);
    } else if (n.op == NodeOp::Pool) {
      Layer layer{config.average_pooling ? Kind::AvgPool : Kind::MaxPool, n.kernel, n.stride, n.padding,
                  n.ceil_mode};
      add(std::move(layer), s, s.height, s.in_channels);
    }
    if (tapped.count(s.spec->name)) add(Layer{Kind::Gram}, s, s.height, s.channels);
  }
}

void StripBenchmark::prepare(bool channels_last) {
  auto& prepared = prepared_[channels_last];
  if (!prepared.empty()) return;
  const auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  torch::NoGradGuard no_grad;
  for (const Layer& layer : layers_) {
    Prepared p;
    p.input = torch::rand(layer.input_shape).contiguous(format);
    if (layer.kind == Kind::Conv) p.weight = layer.weight.contiguous(format);
    prepared.push_back(std::move(p));
  }
}

double StripBenchmark::run(bool channels_last) {
  KeepRandomState keep;
  prepare(channels_last);
  using Clock = std::chrono::steady_clock;
  double estimate = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    Prepared& p = prepared_[channels_last][i];
    torch::Tensor input = p.input.detach().requires_grad_(true);
    const auto start = Clock::now();
    torch::Tensor out;
    switch (layer.kind) {
      case Kind::Conv:
        out = torch::conv2d(input, p.weight, layer.bias, layer.stride, layer.padding);
        out.relu_();
        break;
      case Kind::MaxPool:
        out = max_pool(input, layer.kernel, layer.stride, layer.padding, layer.ceil_mode);
        break;
      case Kind::AvgPool:
        out = torch::avg_pool2d(input, layer.kernel, layer.stride, layer.padding, layer.ceil_mode, false);
        break;
      case Kind::Gram:
        out = gram_matrix(input);
        break;
    }
    // The gradient arriving from the next layer: in the layout the next layer produces it in.
    if (!p.grad.defined() || p.grad.sizes() != out.sizes()) {
      torch::NoGradGuard no_grad;
      p.grad = torch::rand_like(out);
    }
    out.backward(p.grad);
    estimate += std::chrono::duration<double>(Clock::now() - start).count() * layer.factor;
  }
  return estimate;
}

}  // namespace impasto
