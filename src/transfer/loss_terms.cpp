#include "transfer/loss_term.h"

namespace impasto {

// Each term's factory lives in its own file.
std::unique_ptr<LossTerm> make_content_term(const TermInputs& inputs);
std::unique_ptr<LossTerm> make_style_term(const TermInputs& inputs);
std::unique_ptr<LossTerm> make_tv_term(const TermInputs& inputs);
std::unique_ptr<LossTerm> make_temporal_term(const TermInputs& inputs);
std::unique_ptr<LossTerm> make_matting_term(const TermInputs& inputs);

const std::vector<LossTermKind>& loss_term_kinds() {
  static const std::vector<LossTermKind> kinds{
      {"content", make_content_term},
      {"style", make_style_term},
      {"tv", make_tv_term},
      {"temporal", make_temporal_term},
      {"matting", make_matting_term},
  };
  return kinds;
}

}  // namespace impasto
