#include "runtime/cpu_runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace impasto {
namespace {

TEST(CpuRuntime, NamesTheBlasKernelsAndAForcedCoreType) {
  const char* before = std::getenv("OPENBLAS_CORETYPE");
  const std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  ::unsetenv("OPENBLAS_CORETYPE");
  const std::string chosen = blas_description();
  ASSERT_EQ(chosen.rfind("OpenBLAS, ", 0), 0u) << chosen;  // the project installs OpenBLAS
  EXPECT_NE(chosen.find(" kernels"), std::string::npos) << chosen;
  EXPECT_EQ(chosen.find("OPENBLAS_CORETYPE"), std::string::npos) << chosen;
  ::setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  EXPECT_NE(blas_description().find("(OPENBLAS_CORETYPE=Haswell)"), std::string::npos) << blas_description();
  if (saved)
    ::setenv("OPENBLAS_CORETYPE", saved->c_str(), 1);
  else
    ::unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace
}  // namespace impasto
