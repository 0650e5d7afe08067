#include "weights/caffe_prototxt.h"

#include "weights_test_util.h"

namespace impasto {
namespace {

using testing::expect_input_error;

using Shape = std::array<int64_t, 4>;

TEST(CaffePrototxt, ParsesLayersParametersAndInput) {
  const CaffeNet net = parse_caffe_prototxt(R"(
# a comment { with braces }
name: "Tiny"   # trailing comment
input: "data"
input_dim: 1 input_dim: 3 input_dim: 32 input_dim: 24
layer {
  name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  param { lr_mult: 1 }
  convolution_param { num_output: 8 kernel_size: 5 stride: 2 pad: 1 group: 1
                      weight_filler { type: "xavier" } }
}
layer { name: "relu1"  type: "ReLU" bottom: "conv1" top: "conv1" }
layer <
  name: 'pool1'; type: "Pooling", bottom: "conv1" top: "pool1"
  pooling_param: { pool: AVE kernel_size: 3 stride: 2 pad: 1 }
>
layer { name: "norm1" type: "LRN" bottom: "pool1" top: "norm1"
        lrn_param { local_size: 3 alpha: 2e-4 beta: .5 k: 2 norm_region: WITHIN_CHANNEL } }
layer { name: "tall" type: "Convolution" bottom: "norm1" top: "tall"
        convolution_param { num_output: 4 kernel_h: 3 kernel_w: 1 pad_h: 1 stride: [1, 2] bias_term: false } }
layer { name: "two" type: "Convolution" bottom: "norm1" top: "two"
        convolution_param { num_output: 6 kernel_size: [3, 5] group: 2 } }
layer { name: "cat" type: "Concat" bottom: "tall" bottom: "two" top: "cat" }
layer { name: "quote\"d" type: "Silence" bottom: "cat" }
)",
                                            "tiny.prototxt");
  EXPECT_EQ(net.name, "Tiny");
  EXPECT_EQ(net.input, "data");
  EXPECT_EQ(net.input_shape, (std::vector<int64_t>{1, 3, 32, 24}));
  ASSERT_EQ(net.layers.size(), 8u);

  const CaffeLayer& conv1 = net.layers[0];
  EXPECT_EQ(conv1.name, "conv1");
  EXPECT_EQ(conv1.type, "Convolution");
  EXPECT_EQ(conv1.bottoms, std::vector<std::string>{"data"});
  EXPECT_EQ(conv1.tops, std::vector<std::string>{"conv1"});
  EXPECT_EQ(conv1.convolution.num_output, 8);
  EXPECT_EQ(conv1.convolution.kernel_h, 5);
  EXPECT_EQ(conv1.convolution.kernel_w, 5);
  EXPECT_EQ(conv1.convolution.stride_h, 2);
  EXPECT_EQ(conv1.convolution.stride_w, 2);
  EXPECT_EQ(conv1.convolution.pad_h, 1);
  EXPECT_TRUE(conv1.convolution.bias_term);

  const CaffeLayer* pool = net.find("pool1");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->type, "Pooling");
  EXPECT_EQ(pool->pooling.pool, "AVE");
  EXPECT_EQ(pool->pooling.kernel_w, 3);
  EXPECT_EQ(pool->pooling.stride_h, 2);
  EXPECT_EQ(pool->pooling.pad_w, 1);

  const CaffeLrn& lrn = net.find("norm1")->lrn;
  EXPECT_EQ(lrn.local_size, 3);
  EXPECT_DOUBLE_EQ(lrn.alpha, 2e-4);
  EXPECT_DOUBLE_EQ(lrn.beta, 0.5);
  EXPECT_DOUBLE_EQ(lrn.k, 2.0);
  EXPECT_TRUE(lrn.within_channel);

  const CaffeConvolution& tall = net.find("tall")->convolution;
  EXPECT_EQ(tall.kernel_h, 3);
  EXPECT_EQ(tall.kernel_w, 1);
  EXPECT_EQ(tall.pad_h, 1);
  EXPECT_EQ(tall.pad_w, 0);
  EXPECT_EQ(tall.stride_h, 1);
  EXPECT_EQ(tall.stride_w, 2);
  EXPECT_FALSE(tall.bias_term);
  const CaffeConvolution& two = net.find("two")->convolution;
  EXPECT_EQ(two.kernel_h, 3);
  EXPECT_EQ(two.kernel_w, 5);
  EXPECT_EQ(two.group, 2);

  EXPECT_EQ(net.find("cat")->bottoms, (std::vector<std::string>{"tall", "two"}));
  EXPECT_NE(net.find("quote\"d"), nullptr);
  EXPECT_EQ(net.find("nope"), nullptr);

  // Channels: data 3 -> conv1 8 -> relu/pool/LRN 8 -> tall [4,8,3,1], two [6,8/2,3,5].
  const auto shapes = caffe_convolution_shapes(net);
  EXPECT_EQ(shapes.at("conv1"), (Shape{8, 3, 5, 5}));
  EXPECT_EQ(shapes.at("tall"), (Shape{4, 8, 3, 1}));
  EXPECT_EQ(shapes.at("two"), (Shape{6, 4, 3, 5}));
}

TEST(CaffePrototxt, LegacyLayersAndInputForms) {
  // V1 `layers` with enum types, `input_shape`, concat_dim, and channels that stop at InnerProduct.
  const CaffeNet net = parse_caffe_prototxt(R"(
input: "img"
input_shape { dim: 1 dim: 2 dim: 8 dim: 8 }
layers { name: "a" type: CONVOLUTION bottom: "img" top: "a" convolution_param { num_output: 5 kernel_size: 1 } }
layers { name: "b" type: CONVOLUTION bottom: "img" top: "b" convolution_param { num_output: 7 kernel_size: 3 } }
layers { name: "ab" type: CONCAT bottom: "a" bottom: "b" top: "ab" concat_param { concat_dim: 1 } }
layers { name: "c" type: CONVOLUTION bottom: "ab" top: "c" convolution_param { num_output: 2 kernel_size: 1 } }
layers { name: "fc" type: INNER_PRODUCT bottom: "c" top: "fc" inner_product_param { num_output: 10 } }
layers { name: "after_fc" type: CONVOLUTION bottom: "fc" top: "d" convolution_param { num_output: 3 kernel_size: 1 } }
layers { name: "e" type: CONVOLUTION bottom: "d" top: "e" convolution_param { num_output: 4 kernel_size: 1 } }
)",
                                            "legacy.prototxt");
  EXPECT_EQ(net.input, "img");
  EXPECT_EQ(net.input_shape, (std::vector<int64_t>{1, 2, 8, 8}));
  ASSERT_EQ(net.layers.size(), 7u);
  EXPECT_EQ(net.layers[0].type, "Convolution");
  EXPECT_EQ(net.layers[2].type, "Concat");
  EXPECT_EQ(net.layers[4].type, "InnerProduct");
  EXPECT_EQ(net.layers[4].inner_product_outputs, 10);

  const auto shapes = caffe_convolution_shapes(net);
  EXPECT_EQ(shapes.at("a"), (Shape{5, 2, 1, 1}));
  EXPECT_EQ(shapes.at("b"), (Shape{7, 2, 3, 3}));
  EXPECT_EQ(shapes.at("c"), (Shape{2, 12, 1, 1}));
  EXPECT_EQ(shapes.count("after_fc"), 0u);           // its input's channels are unknown
  EXPECT_EQ(shapes.at("e"), (Shape{4, 3, 1, 1}));  // known again after a convolution
}

TEST(CaffePrototxt, InputLayerGivesTheInputShape) {
  const CaffeNet net = parse_caffe_prototxt(
      "layer { name: 'in' type: 'Input' top: 'pixels' input_param { shape { dim: 2 dim: 1 dim: 4 dim: 4 } } }\n"
      "layer { name: 'c' type: 'Convolution' bottom: 'pixels' top: 'c' convolution_param { num_output: 3 "
      "kernel_size: 2 } }",
      "input_layer.prototxt");
  EXPECT_EQ(net.input, "pixels");
  EXPECT_EQ(net.input_shape, (std::vector<int64_t>{2, 1, 4, 4}));
  EXPECT_EQ(caffe_convolution_shapes(net).at("c"), (Shape{3, 1, 2, 2}));
}

TEST(CaffePrototxt, SyntaxErrorsNameTheFileAndLine) {
  expect_input_error([] { parse_caffe_prototxt("layer {\n  name: \"a\"\n", "f.prototxt"); },
                     {"f.prototxt", "missing '}'"});
  expect_input_error([] { parse_caffe_prototxt("name: \"a\"\n}\n", "f.prototxt"); },
                     {"f.prototxt:2", "expected a field name", "'}'"});
  expect_input_error([] { parse_caffe_prototxt("name: \"abc\n", "f.prototxt"); }, {"f.prototxt:1", "unterminated"});
  expect_input_error([] { parse_caffe_prototxt("\n\nname \"a\"", "f.prototxt"); }, {"f.prototxt:3", "expected ':'"});
  expect_input_error(
      [] { parse_caffe_prototxt("layer {\n convolution_param {\n num_output: many } }", "f.prototxt"); },
      {"f.prototxt:3", "num_output", "integer", "many"});
  expect_input_error([] { parse_caffe_prototxt("layer { lrn_param { alpha: 1x } }", "f.prototxt"); },
                     {"alpha", "number"});
  expect_input_error([] { read_caffe_prototxt("/nonexistent/deploy.prototxt"); },
                     {"/nonexistent/deploy.prototxt"});
}

TEST(CaffePrototxt, RealGoogLeNetWiring) {
  const auto path = testing::shared_models_dir() / "googlenet" / "deploy.prototxt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  const CaffeNet net = read_caffe_prototxt(path);
  EXPECT_EQ(net.name, "GoogleNet");
  EXPECT_EQ(net.input, "data");
  EXPECT_EQ(net.input_shape, (std::vector<int64_t>{10, 3, 224, 224}));
  int convolutions = 0;
  for (const auto& l : net.layers) convolutions += l.type == "Convolution";
  EXPECT_EQ(convolutions, 57);

  const CaffeLayer* output = net.find("inception_3a/output");
  ASSERT_NE(output, nullptr);
  EXPECT_EQ(output->type, "Concat");
  EXPECT_EQ(output->bottoms, (std::vector<std::string>{"inception_3a/1x1", "inception_3a/3x3", "inception_3a/5x5",
                                                       "inception_3a/pool_proj"}));
  const CaffeLayer* norm1 = net.find("pool1/norm1");
  ASSERT_NE(norm1, nullptr);
  EXPECT_EQ(norm1->lrn.local_size, 5);
  EXPECT_DOUBLE_EQ(norm1->lrn.alpha, 1e-4);
  EXPECT_DOUBLE_EQ(norm1->lrn.beta, 0.75);
  const CaffeLayer* conv1 = net.find("conv1/7x7_s2");
  EXPECT_EQ(conv1->convolution.stride_h, 2);
  EXPECT_EQ(conv1->convolution.pad_w, 3);
  const CaffeLayer* pool = net.find("inception_3a/pool");
  EXPECT_EQ(pool->pooling.pool, "MAX");
  EXPECT_EQ(pool->pooling.kernel_h, 3);
  EXPECT_EQ(pool->pooling.stride_w, 1);
  EXPECT_EQ(pool->pooling.pad_h, 1);

  const auto shapes = caffe_convolution_shapes(net);
  EXPECT_EQ(shapes.size(), 57u);
  EXPECT_EQ(shapes.at("conv1/7x7_s2"), (Shape{64, 3, 7, 7}));
  EXPECT_EQ(shapes.at("inception_3b/1x1"), (Shape{128, 256, 1, 1}));  // 64+128+32+32 from 3a
  EXPECT_EQ(shapes.at("inception_5b/pool_proj"), (Shape{128, 832, 1, 1}));
}

}  // namespace
}  // namespace impasto
