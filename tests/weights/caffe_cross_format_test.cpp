// Real weights written out as a .caffemodel by the test writer must come back through open_weights
// exactly as the original format gave them.
#include "caffemodel_writer.h"
#include "vgg19_reference.h"
#include "weights/weight_source.h"
#include "weights_test_util.h"

namespace impasto {
namespace {

namespace fs = std::filesystem;
using testing::CaffemodelStyle;
using testing::TempDir;

using NamedConvs = std::vector<std::pair<std::string, ConvParams>>;

TEST(CaffeCrossFormat, GoogLeNetDirectoryAsCaffemodel) {
  const auto dir = testing::shared_models_dir() / "googlenet";
  if (!fs::exists(dir / "deploy.prototxt")) GTEST_SKIP() << dir << " not present";
  auto original = open_weights(dir);
  NamedConvs convs;
  for (const auto& name : original->layers()) convs.emplace_back(name, original->conv(name));
  ASSERT_EQ(convs.size(), 57u);

  TempDir tmp;
  testing::write_caffemodel(tmp / "bvlc_googlenet.caffemodel", convs);
  auto copy = open_weights(tmp / "bvlc_googlenet.caffemodel");
  EXPECT_EQ(copy->format(), "Caffe");
  EXPECT_EQ(copy->layers(), original->layers());
  for (const auto& [name, p] : convs) {
    const ConvParams q = copy->conv(name);
    EXPECT_TRUE(torch::equal(q.weight, p.weight)) << name;
    EXPECT_TRUE(torch::equal(q.bias, p.bias)) << name;
  }
}

TEST(CaffeCrossFormat, Vgg19FeaturesAgreeWithTensorFlowJs) {
  const auto& reference = testing::vgg19_partial_convs();
  if (reference.empty()) GTEST_SKIP() << testing::vgg19_partial_dir() << " not present";
  NamedConvs convs;  // under the Caffe release's names, conv1_1 .. conv3_4
  for (const auto& c : reference) convs.emplace_back(c.matconvnet, c.params);
  CaffemodelStyle legacy;  // the form of VGG_ILSVRC_19_layers.caffemodel
  legacy.legacy_v1 = true;
  legacy.legacy_blob_dims = true;
  TempDir tmp;
  testing::write_caffemodel(tmp / "VGG_ILSVRC_19_layers.caffemodel", convs, legacy);
  auto caffe = open_weights(tmp / "VGG_ILSVRC_19_layers.caffemodel");
  ASSERT_EQ(caffe->format(), "Caffe");
  ASSERT_EQ(caffe->layers().size(), reference.size());
  EXPECT_EQ(caffe->layers().front(), "conv1_1");
  testing::expect_vgg19_features_match_tfjs(*caffe);
}

}  // namespace
}  // namespace impasto
