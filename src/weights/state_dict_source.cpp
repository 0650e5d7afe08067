#include "weights/state_dict_source.h"

#include <impasto/errors.h>

#include <map>

#include "weights/conv_params.h"
#include "weights/input_convention.h"

namespace impasto {
namespace {

bool is_conv_weight(const std::string& key, const torch::Tensor& t) {
  return key.size() > 7 && key.compare(key.size() - 7, 7, ".weight") == 0 && t.dim() == 4;
}

class StateDictSource : public WeightSource {
 public:
  StateDictSource(std::string where, std::string format, std::vector<std::pair<std::string, torch::Tensor>> tensors,
                  std::optional<InputConvention> input)
      : where_(std::move(where)), format_(std::move(format)), input_(std::move(input)) {
    for (auto& [key, t] : tensors) {
      if (is_conv_weight(key, t)) order_.push_back(key.substr(0, key.size() - 7));
      tensors_[key] = std::move(t);
    }
  }

  std::vector<std::string> layers() const override { return order_; }

  ConvParams conv(const std::string& layer) const override {
    auto w = tensors_.find(layer + ".weight");
    if (w == tensors_.end()) throw InputError("no layer '" + layer + "' in " + where_);
    auto b = tensors_.find(layer + ".bias");
    return make_conv_params(checked(w->first, w->second, 4),
                            b == tensors_.end() ? torch::Tensor() : checked(b->first, b->second, 1), where_,
                            layer + ".bias");
  }

  std::string format() const override { return format_; }
  std::optional<InputConvention> input_convention() const override { return input_; }

 private:
  // A float32 contiguous copy: the source may be a half-precision tensor or an unaligned view of a
  // mapped file, and callers must not be able to change what the next caller gets.
  torch::Tensor checked(const std::string& key, const torch::Tensor& t, int64_t rank) const {
    if (!t.is_floating_point())
      throw InputError(where_ + ": '" + key + "' has dtype " + std::string(c10::toString(t.scalar_type())) +
                       "; only floating-point weights are supported");
    if (t.dim() != rank)
      throw InputError(where_ + ": '" + key + "' has rank " + std::to_string(t.dim()) + ", expected " +
                       std::to_string(rank));
    return t.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true, torch::MemoryFormat::Contiguous);
  }

  std::string where_, format_;
  std::optional<InputConvention> input_;
  std::vector<std::string> order_;
  std::map<std::string, torch::Tensor> tensors_;
};

}  // namespace

std::unique_ptr<WeightSource> make_state_dict_source(std::string where, std::string format,
                                                     std::vector<std::pair<std::string, torch::Tensor>> tensors,
                                                     const std::filesystem::path& path) {
  return std::make_unique<StateDictSource>(std::move(where), std::move(format), std::move(tensors),
                                           known_file_input(path));
}

}  // namespace impasto
