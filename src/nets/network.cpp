#include "nets/network.h"

#include <torch/torch.h>

#include <climits>
#include <cmath>
#include <set>
#include <sstream>

#include "impasto/errors.h"
#include "nets/identify_network.h"
#include "nets/max_pool.h"
#include "runtime/blas.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

constexpr size_t kImage = SIZE_MAX;

std::string shape_string(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? "," : "") << sizes[i];
  out << "]";
  return out.str();
}

// y = gamma (conv(x) - mean) / sqrt(var + eps) + beta is a convolution with rescaled weights and bias.
ConvParams fold_batch_norm(ConvParams params, const BatchNormParams& bn, const std::string& where) {
  const int64_t out = params.weight.size(0);
  for (const torch::Tensor& t : {bn.gamma, bn.beta, bn.mean, bn.variance})
    if (t.numel() != out)
      throw InputError("batch normalisation for " + where + " has " + std::to_string(t.numel()) +
                       " channels, the convolution " + std::to_string(out));
  const torch::Tensor scale = bn.gamma.to(torch::kDouble) / (bn.variance.to(torch::kDouble) + bn.epsilon).sqrt();
  params.weight = (params.weight.to(torch::kDouble) * scale.view({out, 1, 1, 1})).to(torch::kFloat).contiguous();
  params.bias = ((params.bias.to(torch::kDouble) - bn.mean.to(torch::kDouble)) * scale + bn.beta.to(torch::kDouble))
                    .to(torch::kFloat)
                    .contiguous();
  return params;
}

ConvParams load_conv(const NodeSpec& node, const std::string& network, const WeightSource& weights,
                     const std::set<std::string>& available) {
  for (const auto& name : node.weight_names) {
    if (!available.count(name)) continue;
    ConvParams params = weights.conv(name);
    const std::vector<int64_t> expected = {node.out_channels, node.in_channels, node.kernel, node.kernel};
    if (params.weight.sizes() != at::IntArrayRef(expected) || params.bias.numel() != node.out_channels)
      throw InputError("weights for " + network + " layer " + node.name + " ('" + name + "') have shape " +
                       shape_string(params.weight.sizes()) + ", expected " + shape_string(expected) +
                       ": is this a " + network + " weights file?");
    if (!node.batch_norm_names.empty()) {
      std::string failure;
      for (const auto& bn_name : node.batch_norm_names) {
        try {
          return fold_batch_norm(std::move(params), weights.batch_norm(bn_name), network + " layer " + node.name);
        } catch (const InputError& e) {
          failure = e.what();
        }
      }
      throw InputError(failure);
    }
    return params;
  }
  std::string tried;
  for (const auto& name : node.weight_names) tried += (tried.empty() ? "" : ", ") + name;
  throw InputError(weights.format() + " weights have no layer for " + network + " " + node.name +
                   " (looked for " + tried + "); the file may hold only part of the network");
}

// load_conv, adding which network the file is for when it does not fit this one.
ConvParams load_conv_or_explain(const NodeSpec& node, const std::string& network, const WeightSource& weights,
                                const std::set<std::string>& available) {
  try {
    return load_conv(node, network, weights, available);
  } catch (const InputError&) {
    const std::string actual = identify_network(weights);
    if (actual.empty() || actual == network) throw;
    throw InputError(weights.format() + " weights are for " + actual + ", not " + network + ": use --model " +
                     actual);
  }
}

// Caffe's across-channel LRN: x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta.
// The windowed channel sum is one product with a band matrix over the channels-last pixels: libtorch's
// own version pools a 5-D view, many times slower forward and backward.
torch::Tensor local_response_norm(const torch::Tensor& x, const NodeSpec& s) {
  const int64_t channels = x.size(1);
  const torch::Tensor index = torch::arange(channels, x.options().dtype(torch::kLong));
  const torch::Tensor offset = index.view({-1, 1}) - index.view({1, -1});  // row: source, column: target
  const torch::Tensor band = ((offset >= -(s.lrn_size / 2)) & (offset <= (s.lrn_size - 1) / 2)).to(x.scalar_type());
  const torch::Tensor squares = (x * x).permute({0, 2, 3, 1}).reshape({-1, channels});  // [N*H*W, C]
  const torch::Tensor sums = parallel_mm_constant_right(squares, band)
                                 .view({x.size(0), x.size(2), x.size(3), channels})
                                 .permute({0, 3, 1, 2});
  return x / (sums * (s.lrn_alpha / s.lrn_size) + s.lrn_k).pow(s.lrn_beta);
}

ConvParams random_conv(const NodeSpec& node) {
  const double fan_in = node.in_channels * node.kernel * node.kernel;
  return {torch::randn({node.out_channels, node.in_channels, node.kernel, node.kernel}) * std::sqrt(2.0 / fan_in),
          torch::zeros({node.out_channels})};
}

bool is_reduced(torch::Dtype dtype) { return dtype == torch::kHalf || dtype == torch::kBFloat16; }

// x converted to `dtype`; its gradient is converted back and multiplied by `gradient_factor` on the way.
// With `overflowed`, a gradient that is not finite sets it and is replaced by zeros.
struct CastWithGradientFactor : torch::autograd::Function<CastWithGradientFactor> {
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x, torch::Dtype dtype,
                               double gradient_factor, std::atomic<bool>* overflowed) {
    context->saved_data["dtype"] = static_cast<int64_t>(x.scalar_type());
    context->saved_data["factor"] = gradient_factor;
    // Backward runs before the network that owns the flag is gone (Objective::evaluate).
    context->saved_data["overflowed"] = reinterpret_cast<int64_t>(overflowed);
    return x.to(dtype);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list gradients) {
    const auto dtype = static_cast<torch::Dtype>(context->saved_data["dtype"].toInt());
    const double factor = context->saved_data["factor"].toDouble();
    auto* overflowed = reinterpret_cast<std::atomic<bool>*>(context->saved_data["overflowed"].toInt());
    torch::Tensor gradient = gradients[0].to(torch::kFloat);
    if (overflowed && !torch::isfinite(gradient).all().item<bool>()) {
      overflowed->store(true);
      gradient = torch::zeros_like(gradient);
    }
    if (factor != 1.0) gradient = gradient * factor;
    return {gradient.to(dtype), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

InputConvention resolve_input_convention(const NetworkSpec& spec, const WeightSource* weights,
                                         const std::string& choice, std::string* source) {
  const std::optional<InputConvention> declared = weights ? weights->input_convention() : std::nullopt;
  auto from = [&](const char* where, InputConvention convention) {
    if (source) *source = where;
    return convention;
  };
  if (choice == "auto") return declared ? from("weights file", *declared) : from("network default", spec.input);
  // A named preset keeps the numbers of whichever default shares its name (MatConvNet's own mean,
  // SqueezeNet's Caffe mean).
  if (declared && declared->name == choice) return from("--input-convention", *declared);
  if (spec.input.name == choice) return from("--input-convention", spec.input);
  return from("--input-convention", input_convention_preset(choice));
}

Network::Network(const NetworkSpec& spec, const WeightSource* weights, const std::vector<std::string>& taps,
                 const NetworkConfig& config)
    : spec_(spec), config_(config) {
  if (!config_.input) config_.input = resolve_input_convention(spec, weights, "auto");
  config_.channels_last = config.channels_last && (config.device.is_cpu() || is_reduced(config.dtype));
  if (taps.empty()) throw InputError("no layers requested from " + spec.name);
  // Walk back from the taps to find the nodes they depend on; everything else is never built.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < spec.nodes.size(); ++i) index[spec.nodes[i].name] = i;
  auto inputs_of = [&](size_t i) {
    std::vector<size_t> result;
    if (spec.nodes[i].inputs.empty()) {
      result.push_back(i == 0 ? kImage : i - 1);
    } else {
      for (const auto& name : spec.nodes[i].inputs) result.push_back(index.at(name));
    }
    return result;
  };
  std::set<size_t> needed;
  std::vector<size_t> stack;
  for (const auto& tap : taps) stack.push_back(index.at(spec.node(tap).name));
  while (!stack.empty()) {
    size_t i = stack.back();
    stack.pop_back();
    if (i == kImage || !needed.insert(i).second) continue;
    for (size_t input : inputs_of(i)) stack.push_back(input);
  }

  std::set<std::string> available;
  if (weights) {
    const std::vector<std::string> present = weights->layers();
    available.insert(present.begin(), present.end());
  }
  std::map<size_t, size_t> built_index;  // spec index -> nodes_ index
  for (size_t i : needed) {              // std::set iterates in topological (spec) order
    Node node;
    node.spec = &spec.nodes[i];
    for (size_t input : inputs_of(i)) node.inputs.push_back(input == kImage ? kImage : built_index.at(input));
    if (node.spec->op == NodeOp::Conv) {
      ConvParams params = weights ? load_conv_or_explain(*node.spec, spec.name, *weights, available)
                                  : random_conv(*node.spec);
      auto memory_format = config_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
      node.weight = params.weight.to(config.device, config.dtype).contiguous(memory_format);
      node.bias = params.bias.to(config.device, config.dtype).contiguous();
    }
    built_index[i] = nodes_.size();
    nodes_.push_back(std::move(node));
  }
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (size_t input : nodes_[i].inputs)
      if (input != kImage) nodes_[input].last_use = i;
  for (const auto& tap : taps) nodes_[built_index.at(index.at(tap))].is_tap = true;

  // (image * range - mean) / stddev = image * (range / stddev) - mean / stddev, per fed channel.
  const InputConvention& in = *config_.input;
  std::vector<double> scale, offset;
  for (int c = 0; c < 3; ++c) {
    scale.push_back(in.range / in.stddev[c]);
    offset.push_back(in.mean[c] / in.stddev[c]);
  }
  auto channels = [&](const std::vector<double>& v) {
    const torch::Dtype dtype = is_reduced(config.dtype) ? torch::kFloat : config.dtype;
    return torch::tensor(v, torch::kDouble).to(dtype).view({1, 3, 1, 1}).to(config.device);
  };
  input_scale_ = channels(scale);
  input_offset_ = channels(offset);
}

torch::Tensor Network::preprocess(const torch::Tensor& image) const {
  torch::Tensor x = config_.input->bgr ? image.flip(1) : image;
  x = x * input_scale_ - input_offset_;
  if (is_reduced(config_.dtype))
    x = scales_gradients() ? CastWithGradientFactor::apply(x, config_.dtype, 1.0 / gradient_scale_, overflowed_.get())
                           : CastWithGradientFactor::apply(x, config_.dtype, 1.0, nullptr);
  return config_.channels_last ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

std::map<std::string, torch::Tensor> Network::forward(const torch::Tensor& image) const {
  std::map<std::string, torch::Tensor> taps;
  forward(image, [&](const std::string& name, const torch::Tensor& features) { taps[name] = features; });
  return taps;
}

void Network::forward(const torch::Tensor& image, const TapFn& on_tap) const {
  overflowed_->store(false);
  const torch::Tensor input = preprocess(image);
  std::vector<torch::Tensor> values(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    auto in = [&](size_t k) -> const torch::Tensor& {
      return node.inputs[k] == kImage ? input : values[node.inputs[k]];
    };
    const NodeSpec& s = *node.spec;
    torch::Tensor out;
    switch (s.op) {
      case NodeOp::Conv:
        out = torch::conv2d(in(0), node.weight, node.bias, s.stride, s.padding);
        if (s.relu) out = torch::relu_(out);
        break;
      case NodeOp::Pool:
        out = config_.average_pooling
                  ? torch::avg_pool2d(in(0), s.kernel, s.stride, s.padding, s.ceil_mode, /*count_include_pad=*/false)
                  : max_pool(in(0), s.kernel, s.stride, s.padding, s.ceil_mode);
        break;
      case NodeOp::LocalResponseNorm:
        out = local_response_norm(in(0), s);
        break;
      case NodeOp::Add:
        out = in(0) + in(1);
        if (s.relu) out = torch::relu_(out);
        break;
      case NodeOp::Concat: {
        std::vector<torch::Tensor> parts;
        for (size_t k = 0; k < node.inputs.size(); ++k) parts.push_back(in(k));
        out = torch::cat(parts, 1);
        break;
      }
    }
    if (node.is_tap)
      on_tap(s.name, is_reduced(config_.dtype)
                         ? CastWithGradientFactor::apply(out, torch::kFloat, scales_gradients() ? gradient_scale_ : 1.0,
                                                         nullptr)
                         : out);
    values[i] = std::move(out);
    for (size_t input : node.inputs)
      if (input != kImage && nodes_[input].last_use == i) values[input] = torch::Tensor();
  }
}

bool Network::lower_gradient_scale() const {
  if (!scales_gradients() || gradient_scale_ <= 1) return false;
  gradient_scale_ /= 2;
  return true;
}

std::vector<Network::NodeShape> Network::shapes(int64_t height, int64_t width) const {
  std::vector<NodeShape> result;
  for (const Node& node : nodes_) {
    const size_t first = node.inputs[0];
    NodeShape shape{node.spec, 0, 0, 0, 3, height, width};
    if (first != kImage) {
      shape.in_channels = result[first].channels;
      shape.in_height = result[first].height;
      shape.in_width = result[first].width;
    }
    const NodeSpec& s = *node.spec;
    auto out_size = [&](int64_t n) {
      return pooled_length(n, s.kernel, s.stride, s.padding, s.op == NodeOp::Pool && s.ceil_mode);
    };
    shape.channels = shape.in_channels;
    shape.height = shape.in_height;
    shape.width = shape.in_width;
    if (s.op == NodeOp::Conv) shape.channels = s.out_channels;
    if (s.op == NodeOp::Concat) {
      shape.channels = 0;
      for (size_t input : node.inputs) shape.channels += result[input].channels;
    }
    if (s.op == NodeOp::Conv || s.op == NodeOp::Pool) {
      shape.height = out_size(shape.in_height);
      shape.width = out_size(shape.in_width);
    }
    result.push_back(shape);
  }
  return result;
}

void Network::check_input_size(int64_t height, int64_t width) const {
  for (const auto& shape : shapes(height, width))
    if (shape.height < 1 || shape.width < 1)
      throw InputError("a " + std::to_string(width) + "x" + std::to_string(height) + " image is too small for " +
                       spec_.name + " layer " + shape.spec->name + "; use a larger --size");
}

std::vector<Network::BuiltConv> Network::convolutions() const {
  std::vector<BuiltConv> result;
  for (const auto& node : nodes_)
    if (node.spec->op == NodeOp::Conv) result.push_back({node.spec, node.weight, node.bias});
  return result;
}

}  // namespace impasto
