// The input-convention presets and the table of weights files known by name.
#include "weights/input_convention.h"

#include <gtest/gtest.h>

#include "impasto/errors.h"

namespace impasto {
namespace {

TEST(InputConvention, KnownFilesAndPresets) {
  EXPECT_EQ(known_file_input("/models/vgg19/vgg19-dcbb9e9d.pth"), torchvision_input());
  EXPECT_EQ(known_file_input("vgg16-397923af.pth"), torchvision_input());
  EXPECT_EQ(known_file_input("vgg16-00b39a1b.pth"), caffe_input());
  EXPECT_EQ(known_file_input("vgg19-d01eb7cb.safetensors"), caffe_input());
  EXPECT_FALSE(known_file_input("vgg19.pth").has_value());
  EXPECT_FALSE(known_file_input("vgg19-dcbb9e9d-copy.pth").has_value());
  for (const auto& name : input_convention_names()) EXPECT_EQ(input_convention_preset(name).name, name);
  EXPECT_THROW(input_convention_preset("bogus"), InputError);
  EXPECT_EQ(describe(caffe_input()), "BGR, 0..255, minus (103.939, 116.779, 123.68)");
  EXPECT_EQ(describe(torchvision_input()), "RGB, 0..1, minus (0.485, 0.456, 0.406), divided by (0.229, 0.224, 0.225)");
}

}  // namespace
}  // namespace impasto
