// Helpers shared by the kernel tests: float bits, NaN-tolerant bit equality, and the pass/fail tally whose
// closing line ("N passed, N failed") CI reads.
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

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

// The values that break careless SIMD code: NaNs of both signs (quiet, signalling, with payloads),
// infinities, signed zeros, the extremes, the smallest and largest denormals, and ones.
inline const std::vector<float>& special_floats_() {
  static const std::vector<float> values = {std::numeric_limits<float>::quiet_NaN(),
                                            -std::numeric_limits<float>::quiet_NaN(),
                                            from_bits_(0x7fa00001u) /* signalling NaN */,
                                            from_bits_(0xffc00123u),
                                            std::numeric_limits<float>::infinity(),
                                            -std::numeric_limits<float>::infinity(),
                                            0.f,
                                            -0.f,
                                            FLT_MAX,
                                            -FLT_MAX,
                                            FLT_MIN,
                                            -FLT_MIN,
                                            from_bits_(0x00000001u),
                                            from_bits_(0x80000001u),
                                            from_bits_(0x007fffffu),
                                            from_bits_(0x807fffffu),
                                            1.f,
                                            -1.f};
  return values;
}

// Counts a check; a failed one is printed with `what`.
inline void expect_(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

// Prints the closing tally; the exit code of main.
inline int finish_() {
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace prunekit::test
