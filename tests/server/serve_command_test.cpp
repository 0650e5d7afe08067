// `impasto serve` refuses unusable option values before it listens (exit 2, one line).
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"

namespace impasto::testing {
namespace {

TEST(ServeCommand, RefusesOutOfRangeAndNonFiniteLimits) {
  for (const char* arguments : {"--port 99999", "--max-megapixels nan", "--max-upload-mb 1e30", "--max-clip-frames 0",
                                "--max-frame-megapixels -1", "--max-sound-seconds nan"}) {
    const auto result = run_impasto(std::string("serve ") + arguments + " --output-dir /nonexistent/never");
    EXPECT_EQ(result.exit_code, 2) << arguments << ": " << result.output;
    EXPECT_EQ(result.output.rfind("impasto: error: --", 0), 0u) << arguments << ": " << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  }
}

}  // namespace
}  // namespace impasto::testing
