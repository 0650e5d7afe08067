// The temporal loss of video runs: the image held to earlier outputs warped along the flow.
#include "transfer/temporal_term.h"

#include <torch/torch.h>

#include "transfer/loss_term.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

class TemporalTerm : public LossTerm {
 public:
  TemporalTerm(double weight, const std::vector<TemporalTarget>& targets)
      : LossTerm("temporal", weight), whole_(targets), targets_(targets) {}

  torch::Tensor at_image(const torch::Tensor& image) override {
    torch::Tensor loss;
    for (const auto& t : targets_) {
      const torch::Tensor frame = (t.weights * (image - t.image).square()).sum() / static_cast<double>(image.numel());
      loss = loss.defined() ? loss + frame : frame;
    }
    return loss * weight();
  }

  void focus(const ImageWindow& w) override {
    for (size_t k = 0; k < whole_.size(); ++k)
      targets_[k] = {whole_[k].image.narrow(2, w.y, w.height).narrow(3, w.x, w.width),
                     whole_[k].weights.narrow(2, w.y, w.height).narrow(3, w.x, w.width)};
  }

 private:
  std::vector<TemporalTarget> whole_;    // over the whole output
  std::vector<TemporalTarget> targets_;  // under the focused window
};

}  // namespace

std::unique_ptr<LossTerm> make_temporal_term(const TermInputs& in) {
  if (in.config.temporal.weight <= 0 || in.config.temporal.targets.empty()) return nullptr;
  return std::make_unique<TemporalTerm>(in.config.temporal.weight, in.config.temporal.targets);
}

}  // namespace impasto
