// Total variation: smoothness of the image itself, weighted by --tv-weight.
#include <torch/torch.h>

#include "transfer/loss_term.h"
#include "transfer/losses.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

class TotalVariationTerm : public LossTerm {
 public:
  explicit TotalVariationTerm(double weight) : LossTerm("tv", weight) {}
  torch::Tensor at_image(const torch::Tensor& image) override { return total_variation(image) * weight(); }
};

}  // namespace

std::unique_ptr<LossTerm> make_tv_term(const TermInputs& in) {
  if (in.config.tv_weight <= 0) return nullptr;
  return std::make_unique<TotalVariationTerm>(in.config.tv_weight);
}

}  // namespace impasto
