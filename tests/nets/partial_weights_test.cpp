#include "nets/partial_weights.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"
#include "weights/weight_source.h"

namespace impasto {
namespace {

// A file that names these layers; their contents are never read here.
class NamesOnly : public WeightSource {
 public:
  explicit NamesOnly(std::vector<std::string> names) : names_(std::move(names)) {}
  std::vector<std::string> layers() const override { return names_; }
  ConvParams conv(const std::string&) const override { throw std::logic_error("not read"); }
  std::string format() const override { return "test"; }

 private:
  std::vector<std::string> names_;
};

// VGG-19's convolutions in Keras naming, block1_conv1 .. up to `blocks` whole blocks.
NamesOnly vgg19_blocks(int blocks) {
  const int convs[] = {2, 2, 4, 4, 4};
  std::vector<std::string> names;
  for (int b = 1; b <= blocks; ++b)
    for (int c = 1; c <= convs[b - 1]; ++c) names.push_back("block" + std::to_string(b) + "_conv" + std::to_string(c));
  return NamesOnly(names);
}

TEST(PartialWeights, ComputableNodesStopAtTheFirstMissingConvolution) {
  const auto computable = computable_nodes(network_spec("vgg19"), vgg19_blocks(3));
  EXPECT_TRUE(computable.count("relu1_1"));
  EXPECT_TRUE(computable.count("relu3_4"));
  EXPECT_TRUE(computable.count("pool3"));  // a pooling needs no weights of its own
  EXPECT_FALSE(computable.count("relu4_1"));
  EXPECT_FALSE(computable.count("relu5_1"));
  // A layer present in the file does not help when one before it is missing.
  NamesOnly gap({"block1_conv1", "block1_conv2", "block2_conv2"});
  EXPECT_FALSE(computable_nodes(network_spec("vgg19"), gap).count("relu2_2"));
}

TEST(PartialWeights, DefaultsAreCutToTheFirstPartOfVgg19) {
  const auto cut = defaults_within(network_spec("vgg19"), computable_nodes(network_spec("vgg19"), vgg19_blocks(3)));
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->content_layers, "relu3_1");  // relu4_2 is missing: the deepest style layer left
  EXPECT_EQ(cut->style_layers, "relu1_1,relu2_1,relu3_1");
}

TEST(PartialWeights, AWholeFileKeepsTheDefaultsAndAnEmptyOneIsLeftToFail) {
  const NetworkSpec& vgg19 = network_spec("vgg19");
  EXPECT_FALSE(defaults_within(vgg19, computable_nodes(vgg19, vgg19_blocks(5))));
  EXPECT_FALSE(defaults_within(vgg19, computable_nodes(vgg19, NamesOnly({"conv1", "fire2/squeeze1x1"}))));
}

TEST(PartialWeights, ConcatenationsNeedEveryBranch) {
  // SqueezeNet without fire6's 3x3 expansion: fire6 and everything after it are out of reach.
  const NetworkSpec& squeezenet = network_spec("squeezenet");
  std::vector<std::string> names{"conv1"};
  for (int f = 2; f <= 9; ++f)
    for (const char* part : {"/squeeze1x1", "/expand1x1", "/expand3x3"})
      if (!(f == 6 && std::string(part) == "/expand3x3")) names.push_back("fire" + std::to_string(f) + part);
  const auto computable = computable_nodes(squeezenet, NamesOnly(names));
  EXPECT_TRUE(computable.count("fire5"));
  EXPECT_TRUE(computable.count("fire6/expand1x1"));
  EXPECT_FALSE(computable.count("fire6"));
  EXPECT_FALSE(computable.count("fire7"));
  const auto cut = defaults_within(squeezenet, computable);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->content_layers, "fire5");
  EXPECT_EQ(cut->style_layers, "conv1,fire2,fire3,fire5");
}

TEST(PartialWeights, OnlyTheListsLeftToTheDefaultsAreCutAndTold) {
  const NetworkSpec& vgg19 = network_spec("vgg19");
  const auto computable = computable_nodes(vgg19, vgg19_blocks(3));
  const auto both = cut_defaults(vgg19, computable, {"", ""});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->layers.content_layers, "relu3_1");
  EXPECT_EQ(both->layers.style_layers, "relu1_1,relu2_1,relu3_1");
  EXPECT_EQ(both->told, "content layer relu3_1 (default relu4_2), style layers relu1_1,relu2_1,relu3_1 (default "
                        "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1)");
  const auto style_only = cut_defaults(vgg19, computable, {"relu2_2", ""});
  ASSERT_TRUE(style_only);
  EXPECT_EQ(style_only->layers.content_layers, "relu2_2");
  EXPECT_EQ(style_only->told.rfind("style layers relu1_1,relu2_1,relu3_1 (default", 0), 0u) << style_only->told;
  EXPECT_FALSE(cut_defaults(vgg19, computable, {"relu2_2", "relu1_1"}));  // nothing left to the defaults

  // SqueezeNet lacking only fire7: every default style layer but fire7 is there. With the style
  // layers named, the content default (fire7) is the one cut and told; nothing is said of style.
  const NetworkSpec& squeezenet = network_spec("squeezenet");
  std::vector<std::string> names{"conv1"};
  for (int f = 2; f <= 9; ++f)
    for (const char* part : {"/squeeze1x1", "/expand1x1", "/expand3x3"})
      if (f != 7) names.push_back("fire" + std::to_string(f) + part);
  const auto content_only = cut_defaults(squeezenet, computable_nodes(squeezenet, NamesOnly(names)), {"", "fire2"});
  ASSERT_TRUE(content_only);
  EXPECT_EQ(content_only->layers.content_layers, "fire5");
  EXPECT_EQ(content_only->layers.style_layers, "fire2");
  EXPECT_EQ(content_only->told, "content layer fire5 (default fire7)");
}

TEST(PartialWeights, TheSharedPartialVgg19IsCutAfterItsThirdBlock) {
  if (!std::filesystem::exists(testing::vgg19_partial_dir() / "model.json")) GTEST_SKIP() << "no shared VGG-19";
  const auto weights = open_weights(testing::vgg19_partial_dir());
  const auto cut = defaults_within(network_spec("vgg19"), computable_nodes(network_spec("vgg19"), *weights));
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->style_layers, "relu1_1,relu2_1,relu3_1");
}

}  // namespace
}  // namespace impasto
