#include "weights/torch_zip_reader.h"

#include <caffe2/serialize/inline_container.h>
#include <impasto/errors.h>

#include <cstring>
#include <fstream>
#include <map>

#include "weights/state_dict_source.h"
#include "weights/torch_pickle.h"

namespace impasto {
namespace {

using pickle::make_obj;
using pickle::Obj;
using pickle::PyObj;

const std::map<std::string, torch::ScalarType>& storage_types() {
  static const std::map<std::string, torch::ScalarType> types{
      {"torch.FloatStorage", torch::kFloat32}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},  {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},    {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},   {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},    {"torch.BoolStorage", torch::kBool}};
  return types;
}

}  // namespace

std::unique_ptr<WeightSource> open_torch_weights(const std::filesystem::path& path) {
  const std::string where = "PyTorch file " + path.string();
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, sizeof magic);
  if (std::memcmp(magic, "PK\x03\x04", 4) != 0)
    throw InputError(where +
                     " is not a zip archive; the legacy (pre-1.6) torch.save format is not supported, "
                     "re-save it with torch.save(state_dict, f) from PyTorch 1.6 or newer");
  try {
    caffe2::serialize::PyTorchStreamReader zip(path.string());
    std::map<std::string, torch::Tensor> storages;
    auto load_storage = [&](const std::vector<Obj>& pid) -> Obj {
      if (pid.size() != 5 || pid[0]->kind != PyObj::Kind::Str || pid[0]->s != "storage" ||
          pid[1]->kind != PyObj::Kind::Global || pid[2]->kind != PyObj::Kind::Str ||
          pid[4]->kind != PyObj::Kind::Int || pid[4]->i < 0)
        throw InputError("unsupported persistent id in data.pkl");
      auto type = storage_types().find(pid[1]->s);
      if (type == storage_types().end()) throw InputError("unsupported storage type " + pid[1]->s);
      const std::string& key = pid[2]->s;
      auto& storage = storages[key];
      if (!storage.defined()) {
        const std::string record = "data/" + key;
        if (!zip.hasRecord(record)) throw InputError("record " + record + " is missing");
        auto [data, nbytes] = zip.getRecord(record);
        const uint64_t numel = static_cast<uint64_t>(pid[4]->i);
        if (numel > nbytes || numel * c10::elementSize(type->second) > nbytes)
          throw InputError("record " + record + " is truncated: " + std::to_string(nbytes) + " bytes for " +
                           std::to_string(numel) + " elements of " + pid[1]->s);
        // The tensor keeps the record's buffer alive instead of copying it.
        auto buffer = std::make_shared<at::DataPtr>(std::move(data));
        storage = torch::from_blob(
            buffer->get(), {pid[4]->i}, [buffer](void*) {}, type->second);
      }
      auto o = make_obj(PyObj::Kind::Storage);
      o->tensor = storage;
      return o;
    };
    auto [pkl, pkl_size] = zip.getRecord("data.pkl");
    const std::string bytes(static_cast<const char*>(pkl.get()), pkl_size);
    Obj root = pickle::unpickle(bytes, load_storage);
    if (root->kind != PyObj::Kind::Dict) throw InputError("data.pkl does not hold a state dict");
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [k, v] : root->dict)
      if (k->kind == PyObj::Kind::Str && v->kind == PyObj::Kind::Tensor) tensors.emplace_back(k->s, v->tensor);
    return make_state_dict_source(where, "PyTorch", std::move(tensors), path);
  } catch (const InputError& e) {
    throw InputError(where + ": " + e.what());
  } catch (const c10::Error& e) {
    throw InputError(where + " is not a readable PyTorch zip archive: " + e.what_without_backtrace());
  }
}

}  // namespace impasto
