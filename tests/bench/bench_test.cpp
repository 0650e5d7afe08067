// `impasto bench` prints figures (never checked against a time limit here): the table and the JSON
// must carry every figure, consistent with each other.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace impasto::testing {
namespace {

TEST(Bench, PrintsATableAndJsonWithEveryFigure) {
  if (!std::filesystem::exists(squeezenet_file())) GTEST_SKIP() << "no shared SqueezeNet weights";
  TempDir dir;
  const auto json_path = dir / "bench.json";
  const CommandResult result =
      run_impasto("bench --networks squeezenet --sizes 64 --iterations 1 --json '" + json_path.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("squeezenet     64"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("sgemm: OpenBLAS, "), std::string::npos) << result.output;
  std::ifstream in(json_path);
  const nlohmann::json rows = nlohmann::json::parse(in);
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row["network"], "squeezenet");
  EXPECT_EQ(row["size"], 64);
  EXPECT_GT(row["seconds_per_iteration"].get<double>(), 0);
  EXPECT_GT(row["conv_seconds"].get<double>(), 0);
  EXPECT_GT(row["gflop"].get<double>(), 0);
  EXPECT_GT(row["sgemm_gflops"].get<double>(), 0);
  EXPECT_NEAR(row["gflops"].get<double>(), row["gflop"].get<double>() / row["seconds_per_iteration"].get<double>(),
              1e-6 * row["gflops"].get<double>());
  EXPECT_EQ(row["blas"].get<std::string>().rfind("OpenBLAS, ", 0), 0u) << row;
  EXPECT_NE(row["weights"].get<std::string>().find("sqz_notop.mat"), std::string::npos) << row;
}

TEST(Bench, AnUnknownNetworkIsExplained) {
  const CommandResult result = run_impasto("bench --networks alexnet --sizes 64 --iterations 1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("unknown network 'alexnet'"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace impasto::testing
