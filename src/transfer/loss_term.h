#pragma once
#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace impasto {

class Network;
struct ObjectiveConfig;

// The window of the whole output that the images handed to a term cover (tiled runs move it from
// tile to tile; untiled runs leave it on the whole image).
struct ImageWindow {
  int64_t y = 0, x = 0, height = 0, width = 0;
};

// Where a term's loss came from in the last evaluation (weighted values, as in LossValues).
struct TermDetail {
  std::vector<std::pair<std::string, double>> layers;  // by network layer, in tap order
  std::vector<double> regions;                         // by style region
};

// Losses of one evaluation: each term's weighted value, in the objective's term order, and their sum.
struct LossValues {
  std::vector<std::pair<std::string, double>> terms;
  double total = 0;
  // fp16 layers only: the gradient overflowed and the network's gradient scale was lowered; the
  // evaluation must be repeated (after zeroing the gradient) before its gradient is used.
  bool repeat = false;
  // The named term's value; 0 when the objective has no such term.
  double operator[](const std::string& name) const;
  // Adds `other` term by term (terms missing here are appended) and to the total; scales all by f.
  LossValues& operator+=(const LossValues& other);
  LossValues& operator*=(double f);
};

// One weighted part of the objective (content, style, total variation, temporal, matting, ...).
// A term sees the network's features at the taps it names while the image goes through the network,
// and the image itself; it returns its loss already multiplied by its weight, attached to the
// autograd graph (the objective sums the terms and runs backward once). Adding a term is one file
// with its class and factory, plus one line in the registry (transfer/loss_terms.cpp).
class LossTerm {
 public:
  LossTerm(std::string name, double weight) : name_(std::move(name)), weight_(weight) {}
  virtual ~LossTerm() = default;
  const std::string& name() const { return name_; }
  double weight() const { return weight_; }

  // Network layers this term reads; empty for terms on pixels alone.
  virtual std::vector<std::string> taps() const { return {}; }
  // The features of the evaluated image at one of taps(), as soon as they are computed. Returns the
  // weighted loss at this layer, or an undefined tensor. Losses returned here join the graph next to
  // their layer, so backward frees them early.
  virtual torch::Tensor at_tap(const std::string& tap, const torch::Tensor& features) {
    (void)tap, (void)features;
    return {};
  }
  // The evaluated image [1,3,H,W] in 0..1 (what the objective sees). Returns the weighted pixel-space
  // loss, or an undefined tensor.
  virtual torch::Tensor at_image(const torch::Tensor& image) {
    (void)image;
    return {};
  }
  // Tiled runs: the next evaluations cover this window of the whole output. Terms with per-pixel
  // targets (content features, masks, warped frames) restrict them to it.
  virtual void focus(const ImageWindow& window) { (void)window; }
  // The last evaluation's weighted loss by layer and by region, for the report.
  virtual TermDetail detail() const { return {}; }

 private:
  std::string name_;
  double weight_;
};

using LossTerms = std::vector<std::unique_ptr<LossTerm>>;

// What a term factory may read to build its term. `content` is [1,3,H,W] or undefined (texture
// synthesis, or tiled runs, whose content targets are set per window); `styles` are the prepared
// style images with their blend weights.
struct TermInputs {
  const Network& network;
  const ObjectiveConfig& config;
  const torch::Tensor& content;
  const std::vector<torch::Tensor>& styles;
  const std::vector<double>& blend;
};

// A registered term: its name and a factory returning nullptr when the configuration leaves the term
// out (its weight is 0, or its inputs are missing).
struct LossTermKind {
  std::string name;
  std::unique_ptr<LossTerm> (*make)(const TermInputs& inputs);
};

// Every registered term, in the order objectives list them.
const std::vector<LossTermKind>& loss_term_kinds();

}  // namespace impasto
