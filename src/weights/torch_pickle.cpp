#include "weights/torch_pickle.h"

#include <impasto/errors.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace impasto::pickle {

PyObj::~PyObj() {
  std::vector<Obj> pending;
  auto adopt = [&pending](PyObj& o) {
    for (auto& item : o.items) pending.push_back(std::move(item));
    for (auto& [key, value] : o.dict) pending.push_back(std::move(key)), pending.push_back(std::move(value));
    o.items.clear();
    o.dict.clear();
  };
  adopt(*this);
  while (!pending.empty()) {
    Obj o = std::move(pending.back());
    pending.pop_back();
    if (o && o.use_count() == 1) adopt(*o);  // the last owner: its children are released from here
  }
}

namespace {

// The subset of pickle protocols 2-4 that torch.save writes for a state dict.
class Unpickler {
 public:
  Unpickler(const std::string& data, const PersistentLoad& load) : d_(data), load_(load) {}

  Obj load() {
    for (;;) {
      const size_t at = pos_;
      const uint8_t op = u8();
      switch (op) {
        case 0x80: u8(); break;     // PROTO
        case 0x95: take(8); break;  // FRAME: a length only, the frame's data follows inline
        case '.': return pop();     // STOP
        case '(': marks_.push_back(stack_.size()); break;
        case '}': push(make_obj(PyObj::Kind::Dict)); break;
        case ']': push(make_obj(PyObj::Kind::List)); break;
        case ')': push(tuple({})); break;
        case 't': push(tuple(pop_mark())); break;
        case 0x85:
        case 0x86:
        case 0x87: push(tuple(pop_n(op - 0x84u))); break;  // TUPLE1..3
        case 'X': push(str(take(le(4)))); break;           // BINUNICODE
        case 0x8c: push(str(take(le(1)))); break;          // SHORT_BINUNICODE
        case 0x8d: push(str(take(le(8)))); break;          // BINUNICODE8
        case 'J': push(integer(static_cast<int32_t>(le(4)))); break;
        case 'K': push(integer(static_cast<int64_t>(le(1)))); break;
        case 'M': push(integer(static_cast<int64_t>(le(2)))); break;
        case 0x8a: push(integer(long1(at))); break;
        case 'N': push(make_obj(PyObj::Kind::None)); break;
        case 0x88:
        case 0x89: push(boolean(op == 0x88)); break;
        case 'G': push(binfloat()); break;
        case 'c': {
          std::string module = line();
          push(global(module + "." + line()));
          break;
        }
        case 0x93: {
          auto names = pop_n(2);
          push(global(text(names[0], at) + "." + text(names[1], at)));
          break;
        }
        case 'R': {
          auto fn_args = pop_n(2);
          push(call(fn_args[0], fn_args[1], at));
          break;
        }
        case 'b':
          pop();
          top(at);
          break;                                  // BUILD: the state (OrderedDict._metadata) is not needed
        case 'q': memo_[le(1)] = top(at); break;  // BINPUT
        case 'r': memo_[le(4)] = top(at); break;  // LONG_BINPUT
        case 0x94: {
          const size_t n = memo_.size();
          memo_[n] = top(at);
          break;
        }                                            // MEMOIZE
        case 'h': push(memo_get(le(1), at)); break;  // BINGET
        case 'j': push(memo_get(le(4), at)); break;  // LONG_BINGET
        case 's': set_items(pop_n(2), at); break;
        case 'u': set_items(pop_mark(), at); break;
        case 'a': append(pop_n(1), at); break;
        case 'e': append(pop_mark(), at); break;
        case 'Q': push(load_(as(PyObj::Kind::Tuple, pop(), "BINPERSID", at)->items)); break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unsupported pickle opcode ") + hex, at);
        }
      }
    }
  }

 private:
  [[noreturn]] static void fail(const std::string& what, size_t at) {
    throw InputError(what + " at byte " + std::to_string(at) + " of data.pkl");
  }
  uint8_t u8() {
    if (pos_ >= d_.size()) fail("pickle ends unexpectedly", pos_);
    return static_cast<uint8_t>(d_[pos_++]);
  }
  uint64_t le(int n) {
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v |= static_cast<uint64_t>(u8()) << (8 * k);
    return v;
  }
  std::string take(uint64_t n) {
    if (n > d_.size() - pos_) fail("pickle ends unexpectedly", pos_);
    pos_ += n;
    return d_.substr(pos_ - n, n);
  }
  std::string line() {
    const size_t end = d_.find('\n', pos_);
    if (end == std::string::npos) fail("pickle ends unexpectedly", pos_);
    std::string s = d_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  int64_t long1(size_t at) {
    const uint64_t n = le(1);
    if (n > 8) fail("integer too large", at);
    uint64_t v = le(static_cast<int>(n));
    if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  void push(Obj o) { stack_.push_back(std::move(o)); }
  Obj pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
      fail("pickle stack underflow", pos_);
    Obj o = stack_.back();
    stack_.pop_back();
    return o;
  }
  Obj top(size_t at) {
    if (stack_.empty()) fail("pickle stack underflow", at);
    return stack_.back();
  }
  std::vector<Obj> pop_n(size_t n) {
    std::vector<Obj> v(n);
    for (auto it = v.rbegin(); it != v.rend(); ++it) *it = pop();
    return v;
  }
  std::vector<Obj> pop_mark() {
    if (marks_.empty()) fail("pickle has no MARK", pos_);
    std::vector<Obj> v(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return v;
  }
  Obj memo_get(uint64_t k, size_t at) {
    auto it = memo_.find(k);
    if (it == memo_.end()) fail("pickle memo key " + std::to_string(k) + " is undefined", at);
    return it->second;
  }
  static Obj as(PyObj::Kind kind, Obj o, const char* op, size_t at) {
    if (o->kind != kind) fail(std::string(op) + " applied to the wrong kind of object", at);
    return o;
  }
  static std::string text(const Obj& o, size_t at) { return as(PyObj::Kind::Str, o, "STACK_GLOBAL", at)->s; }
  void set_items(const std::vector<Obj>& kv, size_t at) {
    if (kv.size() % 2 != 0) fail("SETITEMS with an odd number of items", at);
    Obj dict = as(PyObj::Kind::Dict, top(at), "SETITEM(S)", at);
    for (size_t k = 0; k < kv.size(); k += 2) dict->dict.emplace_back(kv[k], kv[k + 1]);
  }
  void append(const std::vector<Obj>& v, size_t at) {
    auto& items = as(PyObj::Kind::List, top(at), "APPEND(S)", at)->items;
    items.insert(items.end(), v.begin(), v.end());
  }
  Obj binfloat() {  // big-endian IEEE double
    uint64_t bits = 0;
    for (int k = 0; k < 8; ++k) bits = bits << 8 | u8();
    auto f = make_obj(PyObj::Kind::Float);
    std::memcpy(&f->f, &bits, sizeof bits);
    return f;
  }
  static Obj boolean(bool b) {
    auto o = make_obj(PyObj::Kind::Bool);
    o->i = b;
    return o;
  }
  static Obj tuple(std::vector<Obj> v) {
    auto t = make_obj(PyObj::Kind::Tuple);
    t->items = std::move(v);
    return t;
  }
  static Obj str(std::string s) {
    auto o = make_obj(PyObj::Kind::Str);
    o->s = std::move(s);
    return o;
  }
  static Obj global(std::string s) {
    auto o = make_obj(PyObj::Kind::Global);
    o->s = std::move(s);
    return o;
  }
  static Obj integer(int64_t v) {
    auto o = make_obj(PyObj::Kind::Int);
    o->i = v;
    return o;
  }
  static std::vector<int64_t> ints(const Obj& o, size_t at) {
    std::vector<int64_t> v;
    for (const Obj& x : as(PyObj::Kind::Tuple, o, "_rebuild_tensor_v2", at)->items)
      v.push_back(as(PyObj::Kind::Int, x, "_rebuild_tensor_v2", at)->i);
    return v;
  }

  Obj call(const Obj& fn, const Obj& args_obj, size_t at) {
    const auto& name = as(PyObj::Kind::Global, fn, "REDUCE", at)->s;
    const auto& args = as(PyObj::Kind::Tuple, args_obj, "REDUCE", at)->items;
    if (name == "collections.OrderedDict" && args.empty()) return make_obj(PyObj::Kind::Dict);
    if (name == "torch._utils._rebuild_parameter" && args.size() == 3)
      return as(PyObj::Kind::Tensor, args[0], "_rebuild_parameter", at);
    if (name != "torch._utils._rebuild_tensor_v2" || (args.size() != 6 && args.size() != 7))
      fail("unsupported call " + name + " with " + std::to_string(args.size()) + " arguments", at);
    const torch::Tensor& storage = as(PyObj::Kind::Storage, args[0], "_rebuild_tensor_v2", at)->tensor;
    const int64_t offset = as(PyObj::Kind::Int, args[1], "_rebuild_tensor_v2", at)->i;
    const auto size = ints(args[2], at), stride = ints(args[3], at);
    int64_t last = offset;  // index of the view's last element
    bool empty = false, bad = size.size() != stride.size() || offset < 0;
    for (size_t k = 0; k < size.size() && !bad; ++k) {
      int64_t step = 0;
      empty |= size[k] == 0;
      bad |= size[k] < 0 || stride[k] < 0 ||
             __builtin_mul_overflow(std::max<int64_t>(size[k] - 1, 0), stride[k], &step) ||
             __builtin_add_overflow(last, step, &last);
    }
    if (bad || (!empty && last >= storage.numel()))
      fail("tensor view outside its storage of " + std::to_string(storage.numel()) + " elements", at);
    auto t = make_obj(PyObj::Kind::Tensor);
    t->tensor = storage.as_strided(size, stride, offset);
    return t;
  }

  const std::string& d_;
  const PersistentLoad& load_;
  size_t pos_ = 0;
  std::vector<Obj> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Obj> memo_;
};

}  // namespace

Obj unpickle(const std::string& data, const PersistentLoad& load) { return Unpickler(data, load).load(); }

}  // namespace impasto::pickle
