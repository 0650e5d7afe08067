#pragma once
// Writes PyTorch state dicts as torch.save does (zip archive: data.pkl + data/<storage>) for tests.
#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace impasto::testing::pth {

// Emits pickle bytes the way Python's pickler does at protocol 2: every global and string is
// memoized with BINPUT and repeats become BINGET. For the entries below the bytes are identical
// to Python's pickle.dump(protocol=2) of such a state dict (checked with stub torch classes).
class PickleWriter {
 public:
  PickleWriter() { op(0x80), op(2); }
  PickleWriter& op(uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  PickleWriter& raw(const std::string& s) {
    out_ += s;
    return *this;
  }
  PickleWriter& le(uint64_t v, int n) {
    for (int k = 0; k < n; ++k) op(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }
  PickleWriter& put() { return op('q').le(memo_++ & 0xff, 1); }
  PickleWriter& global(const std::string& module, const std::string& name) {
    const std::string key = module + "\n" + name + "\n";
    if (auto it = memoized_.find("c" + key); it != memoized_.end()) return op('h').le(it->second, 1);
    memoized_["c" + key] = memo_;
    return op('c').raw(key).put();
  }
  PickleWriter& str(const std::string& s) {
    if (auto it = memoized_.find("X" + s); it != memoized_.end()) return op('h').le(it->second, 1);
    memoized_["X" + s] = memo_;
    return op('X').le(s.size(), 4).raw(s).put();
  }
  PickleWriter& integer(int64_t v) {
    if (v >= 0 && v < 256) return op('K').le(static_cast<uint64_t>(v), 1);
    if (v >= 0 && v < 65536) return op('M').le(static_cast<uint64_t>(v), 2);
    return op('J').le(static_cast<uint64_t>(v), 4);
  }
  PickleWriter& ints(const std::vector<int64_t>& v) {
    if (v.empty()) return op(')');
    if (v.size() > 3) op('(');
    for (int64_t x : v) integer(x);
    return op(v.size() > 3 ? 't' : static_cast<uint8_t>(0x84 + v.size())).put();
  }
  // One state-dict entry: key -> _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
  PickleWriter& tensor(const std::string& key, const std::string& storage_type,
                       const std::string& storage_key, int64_t numel, int64_t offset,
                       const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    str(key).global("torch._utils", "_rebuild_tensor_v2").op('(');
    op('(')
        .str("storage")
        .global("torch", storage_type)
        .str(storage_key)
        .str("cpu")
        .integer(numel)
        .op('t')
        .put()
        .op('Q');
    integer(offset).ints(size).ints(stride).op(0x89);
    global("collections", "OrderedDict").op(')').op('R').put();
    return op('t').put().op('R').put();
  }
  std::string bytes() const { return out_; }

 private:
  std::string out_;
  uint32_t memo_ = 0;
  std::map<std::string, uint32_t> memoized_;
};

struct Entry {
  std::string key, storage_type, storage_key;
  int64_t numel, offset;
  std::vector<int64_t> size, stride;
};

inline std::string state_dict_pickle(const std::vector<Entry>& entries) {
  PickleWriter p;
  p.global("collections", "OrderedDict").op(')').op('R').put().op('(');
  for (const auto& e : entries)
    p.tensor(e.key, e.storage_type, e.storage_key, e.numel, e.offset, e.size, e.stride);
  p.op('u');
  // state = {'_metadata': OrderedDict([('', {'version': 1}), ('features', {'version': 1})])}, applied
  // with BUILD; Python writes a one-item batch with SETITEM, longer ones with MARK ... SETITEMS.
  p.op('}').put().str("_metadata").global("collections", "OrderedDict").op(')').op('R').put().op('(');
  for (const char* module : {"", "features"}) p.str(module).op('}').put().str("version").integer(1).op('s');
  p.op('u');
  return p.op('s').op('b').op('.').bytes();
}

// Writes the zip exactly as torch.save does; with `to_file` false the archive is named "archive".
inline void write_pth(const std::filesystem::path& p, const std::string& pickle,
               const std::map<std::string, std::string>& storages, bool to_file = false) {
  std::ofstream out;
  auto writer = to_file
                    ? std::make_unique<caffe2::serialize::PyTorchStreamWriter>(p.string())
                    : (out.open(p, std::ios::binary),
                       std::make_unique<caffe2::serialize::PyTorchStreamWriter>([&](const void* d, size_t n) {
                         out.write(static_cast<const char*>(d), static_cast<std::streamsize>(n));
                         return n;
                       }));
  writer->writeRecord("data.pkl", pickle.data(), pickle.size());
  for (const auto& [key, bytes] : storages) writer->writeRecord("data/" + key, bytes.data(), bytes.size());
  writer->writeEndOfFile();
}

}  // namespace impasto::testing::pth
