#pragma once
// Deterministic mutations of a valid input, as a fuzzer (and a damaged disk or download) makes them.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace impasto::fuzz {

struct Mutant {
  std::string kind;  // "bit flips", "truncation", ...
  std::string bytes;
};

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : random_(seed) {}

  // `count` mutants of `original`, cycling through every kind; the same seed gives the same ones.
  std::vector<Mutant> mutants(const std::string& original, int count) {
    std::vector<Mutant> out;
    for (int i = 0; i < count; ++i) {
      switch (i % 6) {
        case 0: out.push_back({"bit flips", bit_flips(original)}); break;
        case 1: out.push_back({"truncation", truncated(original, i, count)}); break;
        case 2: out.push_back({"overwritten bytes", overwritten(original)}); break;
        case 3: out.push_back({"huge declared size", huge_number(original)}); break;
        case 4: out.push_back({"NaN or Inf", non_finite(original)}); break;
        default: out.push_back({"text numbers", text_numbers(original)}); break;
      }
    }
    return out;
  }

  std::string bit_flips(std::string s) {
    if (s.empty()) return s;
    const int flips = 1 + static_cast<int>(below(8));
    for (int k = 0; k < flips; ++k) s[below(s.size())] ^= static_cast<char>(1u << below(8));
    return s;
  }

  // Offsets spread over the whole input (the i-th of n), so that every region is cut somewhere.
  std::string truncated(const std::string& s, int i, int n) {
    const size_t at = s.size() * static_cast<size_t>(i) / static_cast<size_t>(std::max(n, 1)) + below(16);
    return s.substr(0, std::min(at, s.size() > 0 ? s.size() - 1 : 0));
  }

  std::string overwritten(std::string s) {
    if (s.empty()) return s;
    const size_t at = below(s.size());
    const size_t n = 1 + below(32);
    const char fill = static_cast<char>(below(3) == 0 ? 0 : below(3) == 1 ? 0xFF : below(256));
    for (size_t k = at; k < at + n && k < s.size(); ++k) s[k] = fill;
    return s;
  }

  // A length, count or dimension field replaced by an extreme value (at any 4-byte position).
  std::string huge_number(std::string s) {
    if (s.size() < 8) return bit_flips(s);
    static const uint64_t values[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFFFFFFFFFull,
                                      0x7FFFFFFFFFFFFFFFull, 0x100000000ull, 0};
    const uint64_t v = values[below(sizeof values / sizeof values[0])];
    const size_t width = below(2) ? 4 : 8;
    const size_t at = below(s.size() - width) / 4 * 4;
    std::memcpy(&s[at], &v, width);
    return s;
  }

  // A float32 (or float64) of the data replaced by NaN or Inf.
  std::string non_finite(std::string s) {
    if (s.size() < 8) return bit_flips(s);
    const int count = 1 + static_cast<int>(below(4));
    for (int k = 0; k < count; ++k) {
      if (below(2)) {
        const float v = below(2) ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
        std::memcpy(&s[below(s.size() - 4) / 4 * 4], &v, 4);
      } else {
        const double v = below(2) ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
        std::memcpy(&s[below(s.size() - 8) / 8 * 8], &v, 8);
      }
    }
    return s;
  }

  // In text (JSON, prototxt): a number replaced by an extreme or non-finite one; else bit flips.
  std::string text_numbers(std::string s) {
    std::vector<size_t> starts;
    for (size_t i = 0; i < s.size(); ++i)
      if (std::isdigit(static_cast<unsigned char>(s[i])) && (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]))))
        starts.push_back(i);
    if (starts.empty()) return bit_flips(s);
    static const char* values[] = {"2147483647", "-1",  "0",   "100000", "99999999999999999999", "1e308",
                                   "-2147483648", "nan", "inf", "1e-320", "4294967296",           "-0"};
    const size_t at = starts[below(starts.size())];
    size_t end = at;
    while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '.' || s[end] == '-')) ++end;
    return s.substr(0, at) + values[below(sizeof values / sizeof values[0])] + s.substr(end);
  }

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(random_); }

 private:
  std::mt19937 random_;
};

}  // namespace impasto::fuzz
