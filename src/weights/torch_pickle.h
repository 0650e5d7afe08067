#pragma once
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace impasto::pickle {

// The Python objects torch.save's pickle builds. A Storage holds its data as a 1-D tensor.
struct PyObj;
using Obj = std::shared_ptr<PyObj>;
struct PyObj {
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    Str,
    Global,
    Tuple,
    List,
    Dict,
    Storage,
    Tensor
  } kind = Kind::None;
  int64_t i = 0;
  double f = 0;
  std::string s;  // Str text, or Global "module.name"
  std::vector<Obj> items;
  std::vector<std::pair<Obj, Obj>> dict;
  torch::Tensor tensor;

  PyObj() = default;
  PyObj(const PyObj&) = delete;
  PyObj& operator=(const PyObj&) = delete;
  // Releases nested containers one at a time: a pickle of lists nested 100000 deep would otherwise
  // be freed by recursion and overflow the stack.
  ~PyObj();
};

inline Obj make_obj(PyObj::Kind kind) {
  auto o = std::make_shared<PyObj>();
  o->kind = kind;
  return o;
}

// Called for each persistent id (BINPERSID); returns the object it stands for.
using PersistentLoad = std::function<Obj(const std::vector<Obj>&)>;

// Unpickles the subset of pickle protocols 2-4 that torch.save writes for a state dict: dicts,
// lists, tuples, scalars, strings, OrderedDict and torch._utils._rebuild_tensor_v2 /
// _rebuild_parameter calls. Throws InputError naming the offending opcode or call.
Obj unpickle(const std::string& data, const PersistentLoad& load);

}  // namespace impasto::pickle
