#include "tuning/cpu_signature.h"

#include <gtest/gtest.h>

namespace impasto {
namespace {

const char* kAvx2 = "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx fma avx2\n\n"
                    "processor\t: 1\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx fma avx2\n";

TEST(CpuSignature, NamesTheVectorUnitsAndCoresNotTheModel) {
  const std::string signature = cpu_signature(kAvx2, 2);
  EXPECT_NE(signature.find("avx2 fma"), std::string::npos) << signature;
  EXPECT_NE(signature.find("2 cores"), std::string::npos) << signature;
  EXPECT_EQ(signature.find("Some CPU"), std::string::npos) << signature;
  EXPECT_EQ(signature.find("avx512f"), std::string::npos) << signature;
}

TEST(CpuSignature, ChangesWithAnyFlagOrTheCoreCountButNotTheModelName) {
  const std::string base = cpu_signature(kAvx2, 2);
  EXPECT_EQ(base, cpu_signature("model name : Other CPU\nflags : avx2 fma sse2 fpu avx\n", 2));  // order-free
  EXPECT_NE(base, cpu_signature("flags : fpu sse2 avx fma avx2 avx512f\n", 2));
  EXPECT_NE(base, cpu_signature("flags : fpu sse2 avx fma avx2 vaes\n", 2));  // a flag it does not name
  EXPECT_NE(base, cpu_signature(kAvx2, 4));
}

TEST(CpuSignature, ReadsArmFeatures) {
  const std::string signature = cpu_signature("processor : 0\nFeatures : fp asimd sve\nCPU part : 0xd40\n", 8);
  EXPECT_NE(signature.find("asimd sve"), std::string::npos) << signature;
  EXPECT_NE(cpu_signature("Features : fp asimd\n", 8), signature);
}

TEST(CpuSignature, ThisMachineHasOne) { EXPECT_NE(cpu_signature().find(" cores, flags "), std::string::npos); }

}  // namespace
}  // namespace impasto
