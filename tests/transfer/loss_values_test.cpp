#include <gtest/gtest.h>

#include "transfer/loss_term.h"

namespace impasto {
namespace {

TEST(LossValues, NamesTermsAddsAndScalesThem) {
  LossValues a{{{"content", 1.0}, {"style", 2.0}}, 3.0};
  EXPECT_EQ(a["style"], 2.0);
  EXPECT_EQ(a["temporal"], 0.0);
  const LossValues b{{{"style", 4.0}, {"temporal", 6.0}}, 10.0};
  a += b;
  ASSERT_EQ(a.terms.size(), 3u);
  EXPECT_EQ(a.terms[2].first, "temporal");
  EXPECT_EQ(a["style"], 6.0);
  EXPECT_EQ(a.total, 13.0);
  a *= 0.5;
  EXPECT_EQ(a["content"], 0.5);
  EXPECT_EQ(a["temporal"], 3.0);
  EXPECT_EQ(a.total, 6.5);
}

TEST(LossTermRegistry, ListsTheTermsInReportOrder) {
  std::vector<std::string> names;
  for (const auto& kind : loss_term_kinds()) names.push_back(kind.name);
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 3), (std::vector<std::string>{"content", "style", "tv"}));
}

}  // namespace
}  // namespace impasto
