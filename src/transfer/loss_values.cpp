#include <algorithm>

#include "transfer/loss_term.h"

namespace impasto {

double LossValues::operator[](const std::string& name) const {
  for (const auto& [term, value] : terms)
    if (term == name) return value;
  return 0;
}

LossValues& LossValues::operator+=(const LossValues& other) {
  for (const auto& [name, value] : other.terms) {
    auto same = std::find_if(terms.begin(), terms.end(), [&](const auto& entry) { return entry.first == name; });
    if (same == terms.end()) terms.emplace_back(name, value);
    else same->second += value;
  }
  total += other.total;
  return *this;
}

LossValues& LossValues::operator*=(double f) {
  for (auto& entry : terms) entry.second *= f;
  total *= f;
  return *this;
}

}  // namespace impasto
