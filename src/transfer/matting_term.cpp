// The photorealism regulariser of Luan et al. (2017), "matting": weight * sum_c V_c^T L V_c / N over
// the channels V_c of the evaluated image (N pixels), with L the matting Laplacian of the content photo
// at this scale (transfer/matting_laplacian.h). Dividing by N keeps one weight right at every size.
#include <torch/torch.h>

#include "transfer/loss_term.h"
#include "transfer/matting_laplacian.h"
#include "transfer/objective.h"

namespace impasto {
namespace {

class MattingTerm : public LossTerm {
 public:
  MattingTerm(double weight, const torch::Tensor& content)
      : LossTerm("matting", weight),
        laplacian_(content),
        pixels_(static_cast<double>(content.size(2) * content.size(3))) {}

  torch::Tensor at_image(const torch::Tensor& image) override {
    return laplacian_.loss(image, weight() / pixels_);
  }

 private:
  MattingLaplacian laplacian_;  // built once per scale: the content photo does not change
  double pixels_;
};

}  // namespace

std::unique_ptr<LossTerm> make_matting_term(const TermInputs& inputs) {
  if (inputs.config.matting_weight <= 0 || !inputs.content.defined()) return nullptr;
  return std::make_unique<MattingTerm>(inputs.config.matting_weight, inputs.content);
}

}  // namespace impasto
