// Helpers shared by the kernel tests: float bits, NaN-tolerant bit equality, and the pass/fail tally whose
// closing line ("N passed, N failed") CI reads.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace prunekit::test {

inline int g_passed = 0, g_failed = 0;

inline std::uint32_t bits_(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

inline float from_bits_(std::uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// Bit equality where any NaN equals any NaN (SPEC 1: payloads may differ).
inline bool same_(float a, float b) { return (std::isnan(a) && std::isnan(b)) || bits_(a) == bits_(b); }

// Prints the closing tally; the exit code of main.
inline int finish_() {
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace prunekit::test
