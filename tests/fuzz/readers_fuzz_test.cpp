// Fuzz tests of every weights reader and of the image decoder: a few hundred deterministic mutants
// of a small valid file each (bit flips, truncation at offsets spread over the file, overwritten
// bytes, extreme sizes, NaN/Inf, extreme numbers in text) plus deeply nested inputs. Each must be
// read or refused with InputError; see fuzz_harness.h.
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "fuzz_harness.h"
#include "image/image_io.h"
#include "weights/caffemodel_writer.h"
#include "weights/keras_h5_writer.h"
#include "weights/matconvnet_writer.h"
#include "weights/safetensors_writer.h"
#include "weights/tfjs_writer.h"
#include "weights/torch_zip_writer.h"
#include "weights/weights_test_util.h"

namespace impasto::fuzz {
namespace {

namespace fs = std::filesystem;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

constexpr int kMutants = 240;  // per reader

torch::Tensor values(std::vector<int64_t> shape, float start) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return torch::arange(start, start + static_cast<float>(n), torch::kFloat32).view(shape) / 7;
}

// Every reader gets the same two small convolutions: conv1 3->4 (3x3), conv2 4->2 (1x1).
struct Conv {
  std::string name;
  torch::Tensor weight, bias;  // PyTorch layout [out,in,kh,kw]
};
std::vector<Conv> convs() { return {{"conv1", values({4, 3, 3, 3}, 1), values({4}, 100)}, {"conv2", values({2, 4, 1, 1}, 5), values({2}, 50)}}; }

// The reader-level expectations for the unmutated file: it must read.
void expect_intact(const fs::path& path) { ASSERT_NO_THROW(read_all_layers(path)) << path; }

void expect_clean(const Tally& tally) {
  EXPECT_EQ(tally.other_errors, 0);
  EXPECT_EQ(tally.hangs, 0);
  EXPECT_GT(tally.refused, tally.mutants / 10) << "mutants that change nothing test nothing";
}

// Mutants of one file of a model; the rest of the model stays as written.
Tally fuzz_file(const std::string& reader, const fs::path& file, const fs::path& open, uint32_t seed,
                int count = kMutants) {
  const std::string original = read_bytes(file);
  Mutator mutator(seed);
  const auto before = files_in(open.has_extension() ? open.parent_path() : open);
  Tally tally = run_mutants(reader, mutator.mutants(original, count), [&](const Mutant& m) {
    write_bytes(file, m.bytes);
    read_all_layers(open);
  });
  write_bytes(file, original);
  EXPECT_EQ(files_in(open.has_extension() ? open.parent_path() : open), before) << "files appeared or vanished";
  return tally;
}

// ---- MATLAB .mat (MatConvNet layout, uncompressed and zlib-compressed) ----

TEST(FuzzReaders, MatFile) {
  TempDir dir;
  std::vector<testing::MatConvNetLayer> layers;
  for (const auto& c : convs()) {
    layers.push_back({c.name, "conv", c.weight.permute({2, 3, 1, 0}).contiguous(), c.bias});  // [kh,kw,in,out]
    layers.push_back({c.name + "_relu", "relu", {}, {}});
  }
  for (const bool compress : {false, true}) {
    testing::MatConvNetOptions options;
    options.compress = compress;
    const auto path = dir / (compress ? "compressed.mat" : "plain.mat");
    testing::write_matconvnet(path, layers, options);
    expect_intact(path);
    expect_clean(fuzz_file(compress ? "mat (compressed)" : "mat", path, path, compress ? 12 : 11, kMutants / 2));
  }
}

// A level-5 MAT-file whose one variable is a cell nested `depth` deep around an empty array.
std::string nested_mat(int depth) {
  std::string header(116, ' ');
  header.replace(0, 10, "MATLAB 5.0");
  header += std::string(8, '\0');
  header += std::string("\x00\x01", 2) + "IM";
  auto u32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
  std::string body;
  body.reserve(static_cast<size_t>(depth + 1) * 48);
  for (int level = 0; level <= depth; ++level) {
    const bool innermost = level == depth;
    u32(body, 14);
    u32(body, static_cast<uint32_t>(48 * (depth - level) + 40));
    u32(body, 6), u32(body, 8), u32(body, innermost ? 6 : 1), u32(body, 0);  // flags: cell, or double
    u32(body, 5), u32(body, 8), u32(body, innermost ? 0 : 1), u32(body, 1);  // dims
    u32(body, 1), u32(body, 0);                                               // empty name
  }
  return header + body;
}

TEST(FuzzReaders, DeeplyNestedMatFileIsRefused) {
  TempDir dir;
  write_bytes(dir / "deep.mat", nested_mat(100000));
  testing::expect_input_error([&] { read_all_layers(dir / "deep.mat"); }, {"deep.mat", "nested"});
  write_bytes(dir / "shallow.mat", nested_mat(3));
  testing::expect_input_error([&] { read_all_layers(dir / "shallow.mat"); }, {"shallow.mat"});  // no layers
}

// ---- Caffe: deploy.prototxt with raw per-layer files, and .caffemodel ----

const char* kPrototxt = R"(name: "Fuzz"
input: "data" input_dim: 1 input_dim: 3 input_dim: 16 input_dim: 16
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "norm" type: "LRN" bottom: "conv2" top: "norm" lrn_param { local_size: 5 alpha: 0.0001 beta: 0.75 } }
)";

fs::path write_caffe_dir(const fs::path& dir) {
  write_bytes(dir / "deploy.prototxt", kPrototxt);
  fs::create_directories(dir / "weights");
  for (const auto& c : convs()) {
    const torch::Tensor ohwi = c.weight.permute({0, 2, 3, 1}).contiguous();
    write_bytes(dir / "weights" / (c.name + "_filter.bin"),
                std::string(static_cast<const char*>(ohwi.data_ptr()), static_cast<size_t>(ohwi.nbytes())));
    write_bytes(dir / "weights" / (c.name + "_bias.bin"),
                std::string(static_cast<const char*>(c.bias.data_ptr()), static_cast<size_t>(c.bias.nbytes())));
  }
  return dir;
}

TEST(FuzzReaders, CaffePrototxtAndRawLayerFiles) {
  TempDir dir;
  write_caffe_dir(dir.path());
  expect_intact(dir.path());
  expect_clean(fuzz_file("caffe deploy.prototxt", dir / "deploy.prototxt", dir.path(), 21, kMutants / 2));
  Tally raw = fuzz_file("caffe raw layer file", dir / "weights/conv1_filter.bin", dir.path(), 22, kMutants / 2);
  EXPECT_EQ(raw.other_errors, 0);
  EXPECT_EQ(raw.hangs, 0);
}

TEST(FuzzReaders, DeeplyNestedAndOutOfBoundsPrototxtAreRefusedWithFileLineAndField) {
  TempDir dir;
  write_caffe_dir(dir.path());
  std::string deep = "name: \"Deep\"\n";
  for (int i = 0; i < 100000; ++i) deep += "layer {\n";
  write_bytes(dir / "deploy.prototxt", deep);
  testing::expect_input_error([&] { read_all_layers(dir.path()); }, {"deploy.prototxt:", "nested more than 100"});
  const std::vector<std::pair<std::string, std::string>> bad{{"num_output: 4", "num_output: 2147483647"},
                                                             {"kernel_size: 3", "kernel_size: -1"},
                                                             {"kernel_size: 3", "kernel_size: 100000"},
                                                             {"stride: 1", "stride: 0"},
                                                             {"pad: 1", "pad: -3"},
                                                             {"input_dim: 3", "input_dim: 99999999999"},
                                                             {"alpha: 0.0001", "alpha: nan"}};
  for (const auto& [from, to] : bad) {
    std::string text = kPrototxt;
    text.replace(text.find(from), from.size(), to);
    write_bytes(dir / "deploy.prototxt", text);
    const std::string field = to.substr(0, to.find(':'));
    const std::string line = ":" + std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(text.find(to)), '\n')) + ":";
    testing::expect_input_error([&] { read_all_layers(dir.path()); }, {"deploy.prototxt" + line, "'" + field + "'"});
  }
}

TEST(FuzzReaders, Caffemodel) {
  TempDir dir;
  std::vector<std::pair<std::string, ConvParams>> layers;
  for (const auto& c : convs()) layers.emplace_back(c.name, ConvParams{c.weight, c.bias});
  testing::write_caffemodel(dir / "net.caffemodel", layers);
  expect_intact(dir / "net.caffemodel");
  expect_clean(fuzz_file("caffemodel", dir / "net.caffemodel", dir / "net.caffemodel", 31));
}

// ---- TensorFlow.js: model.json and its shards ----

TEST(FuzzReaders, TensorflowJs) {
  TempDir dir;
  using T = testing::TfjsTensor;
  testing::write_model(dir.path(), {{T{"conv1/kernel", {3, 3, 3, 4}, 1}, T{"conv1/bias", {4}, 2}},
                                    {T{"conv2/kernel", {1, 1, 4, 2}, 3}, T{"conv2/bias", {2}, 4}}},
                       1);
  expect_intact(dir.path());
  expect_clean(fuzz_file("tfjs model.json", dir / "model.json", dir.path(), 41, kMutants / 2));
  Tally shard = fuzz_file("tfjs shard", dir / "group1-shard1of1", dir.path(), 42, kMutants / 2);
  EXPECT_EQ(shard.other_errors + shard.hangs, 0);
  // Nested 100000 deep: JSON parsing is iterative, the error is one line.
  write_bytes(dir / "model.json", std::string(100000, '[') + std::string(100000, ']'));
  testing::expect_input_error([&] { read_all_layers(dir.path()); }, {"model.json"});
}

// ---- Keras HDF5 ----

TEST(FuzzReaders, KerasH5) {
  TempDir dir;
  std::vector<testing::KerasLayer> layers;
  for (const auto& c : convs()) layers.push_back(testing::keras_conv(c.name, c.weight.permute({2, 3, 1, 0}).contiguous(), c.bias));
  testing::write_keras_h5(dir / "w.h5", layers);
  expect_intact(dir / "w.h5");
  expect_clean(fuzz_file("keras h5", dir / "w.h5", dir / "w.h5", 51));
}

// ---- safetensors ----

TEST(FuzzReaders, Safetensors) {
  TempDir dir;
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& c : convs()) tensors[c.name + ".weight"] = c.weight, tensors[c.name + ".bias"] = c.bias;
  write_bytes(dir / "w.safetensors", testing::safetensors_bytes(tensors));
  expect_intact(dir / "w.safetensors");
  expect_clean(fuzz_file("safetensors", dir / "w.safetensors", dir / "w.safetensors", 61));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string file(8, '\0');
  const uint64_t n = deep.size();
  std::memcpy(&file[0], &n, 8);
  write_bytes(dir / "deep.safetensors", file + deep);
  testing::expect_input_error([&] { read_all_layers(dir / "deep.safetensors"); }, {"deep.safetensors"});
}

// ---- PyTorch zip + pickle (the archive, and the pickle inside an intact archive) ----

TEST(FuzzReaders, PytorchZipAndPickle) {
  TempDir dir;
  using testing::pth::Entry;
  std::vector<Entry> entries;
  std::map<std::string, std::string> storages;
  int key = 0;
  for (const auto& c : convs()) {
    for (const auto& [suffix, t] : {std::pair{".weight", c.weight}, {".bias", c.bias}}) {
      std::vector<int64_t> stride(t.strides().begin(), t.strides().end());
      entries.push_back({c.name + suffix, "FloatStorage", std::to_string(key), t.numel(), 0, t.sizes().vec(), stride});
      storages[std::to_string(key++)] = std::string(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.nbytes()));
    }
  }
  const std::string pickle = testing::pth::state_dict_pickle(entries);
  testing::pth::write_pth(dir / "w.pth", pickle, storages);
  expect_intact(dir / "w.pth");
  expect_clean(fuzz_file("pytorch zip", dir / "w.pth", dir / "w.pth", 71, kMutants / 2));
  Mutator mutator(72);
  Tally tally = run_mutants("pytorch pickle", mutator.mutants(pickle, kMutants / 2), [&](const Mutant& m) {
    testing::pth::write_pth(dir / "p.pth", m.bytes, storages);
    read_all_layers(dir / "p.pth");
  });
  expect_clean(tally);
  // Lists nested 100000 deep: the unpickler keeps its own stack.
  std::string deep = "\x80\x02";
  for (int i = 0; i < 100000; ++i) deep += "]";
  for (int i = 1; i < 100000; ++i) deep += "a";
  deep += ".";
  testing::pth::write_pth(dir / "deep.pth", deep, {});
  testing::expect_input_error([&] { read_all_layers(dir / "deep.pth"); }, {"deep.pth"});
}

// ---- the image decoder ----

TEST(FuzzReaders, ImageDecoder) {
  TempDir dir;
  cv::Mat photo = cv::imread(testing::shared_image("tubingen.jpg").string());
  if (photo.empty()) GTEST_SKIP() << "no shared images";
  cv::resize(photo, photo, cv::Size(64, 48), 0, 0, cv::INTER_AREA);
  const std::vector<std::pair<std::string, std::vector<int>>> formats{
      {".jpg", {cv::IMWRITE_JPEG_QUALITY, 90}}, {".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}}, {".png", {}}, {".webp", {}}, {".bmp", {}}};
  uint32_t seed = 81;
  for (const auto& [extension, params] : formats) {
    std::vector<uchar> encoded;
    ASSERT_TRUE(cv::imencode(extension, photo, encoded, params));
    const std::string original(encoded.begin(), encoded.end());
    const fs::path path = dir / ("image" + extension);
    Mutator mutator(seed++);
    Tally tally = run_mutants("image " + extension.substr(1) + (params.size() && params[0] == cv::IMWRITE_JPEG_PROGRESSIVE ? " (progressive)" : ""),
                              mutator.mutants(original, kMutants / 4), [&](const Mutant& m) {
                                write_bytes(path, m.bytes);
                                const torch::Tensor image = load_image(path.string(), "fuzzed image");
                                if (image.dim() != 4 || image.size(1) != 3) throw std::runtime_error("bad image tensor");
                              });
    EXPECT_EQ(tally.other_errors + tally.hangs, 0);
  }
}

}  // namespace
}  // namespace impasto::fuzz
