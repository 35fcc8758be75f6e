// 16-bit float kernel tests: both decoders on all 65,536 patterns against a reference computed here from
// the value (ldexp of the fields, not the kernels' bit rule), and every SIMD path bit for bit against the
// scalar one over lengths 0..300 at every offset 0..7 in guarded buffers.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/half.h"
#include "test_util.h"

using namespace prunekit;
using namespace prunekit::test;

namespace {

struct Path {
  Isa isa;
  const HalfKernels* table;
};

std::vector<Path> paths_() {
  std::vector<Path> out = {{kIsaSerial, &half_kernels_serial}};
#if defined(__x86_64__) || defined(_M_X64)
  if (isa_supported() & kIsaAvx2) out.push_back({kIsaAvx2, &half_kernels_avx2});
  if (isa_supported() & kIsaAvx512) out.push_back({kIsaAvx512, &half_kernels_avx512});
#endif
#if defined(__aarch64__)
  out.push_back({kIsaNeon, &half_kernels_neon});
#endif
  return out;
}

void check_(bool ok, const char* what, Isa isa, std::size_t detail) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    if (g_failed < 20) std::printf("FAIL %s [%s] at %zu\n", what, isa_name(isa), detail);
  }
}

// The F16 value from its fields, the way the standard defines it; NaNs as lib/io/half.ts keeps them.
std::uint32_t f16_reference_(std::uint16_t h) {
  const bool negative = h & 0x8000u;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  if (exp == 0x1f) return (negative ? 0x80000000u : 0u) | 0x7f800000u | (static_cast<std::uint32_t>(mant) << 13);
  const double magnitude = exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024 + mant, exp - 25);
  return bits_(static_cast<float>(negative ? -magnitude : magnitude));
}

void all_patterns_(const Path& path) {
  std::vector<std::uint16_t> src(65536);
  for (std::size_t h = 0; h < src.size(); ++h) src[h] = static_cast<std::uint16_t>(h);
  std::vector<float> dst(65536);
  path.table->bf16_to_f32(src.data(), dst.data(), src.size());
  std::size_t bad = 0;
  for (std::size_t h = 0; h < src.size(); ++h)
    if (bits_(dst[h]) != static_cast<std::uint32_t>(h) << 16) ++bad;
  check_(bad == 0, "bf16_to_f32 all patterns", path.isa, bad);
  path.table->f16_to_f32(src.data(), dst.data(), src.size());
  bad = 0;
  for (std::size_t h = 0; h < src.size(); ++h)
    if (bits_(dst[h]) != f16_reference_(static_cast<std::uint16_t>(h))) {
      if (bad == 0) std::printf("  f16 0x%04zx -> 0x%08x, want 0x%08x\n", h, bits_(dst[h]), f16_reference_(h));
      ++bad;
    }
  check_(bad == 0, "f16_to_f32 all patterns", path.isa, bad);
}

constexpr std::size_t kGuard = 16;

void against_serial_(const Path& path, std::mt19937& rng) {
  for (std::size_t n = 0; n <= 300; ++n)
    for (std::size_t offset = 0; offset < 8; ++offset) {
      std::vector<std::uint16_t> src(offset + n + kGuard);
      std::vector<std::uint8_t> keep(offset + n + kGuard);
      for (auto& v : src) v = static_cast<std::uint16_t>(rng());
      for (auto& k : keep) k = static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : rng() % 256);
      for (int which = 0; which < 2; ++which) {
        std::vector<std::uint32_t> want(offset + n + kGuard, 0xdeadbeefu), got = want;
        auto run = [&](const HalfKernels& t, std::vector<std::uint32_t>& out) {
          float* dst = reinterpret_cast<float*>(out.data()) + offset;
          (which == 0 ? t.bf16_to_f32 : t.f16_to_f32)(src.data() + offset, dst, n);
        };
        run(half_kernels_serial, want);
        run(*path.table, got);
        check_(want == got, which == 0 ? "bf16_to_f32 vs serial" : "f16_to_f32 vs serial", path.isa, n);
      }
      std::vector<std::uint16_t> want = src, got = src;
      half_kernels_serial.zero_masked_u16(want.data() + offset, keep.data() + offset, n);
      path.table->zero_masked_u16(got.data() + offset, keep.data() + offset, n);
      bool zeroed = true;  // the oracle itself: dropped elements +0, kept ones and the guards untouched
      for (std::size_t i = 0; i < src.size(); ++i) {
        const bool inside = i >= offset && i < offset + n;
        zeroed &= want[i] == (inside && keep[i] == 0 ? 0 : src[i]);
      }
      check_(zeroed, "zero_masked_u16 serial", path.isa, n);
      check_(want == got, "zero_masked_u16 vs serial", path.isa, n);
    }
}

}  // namespace

int main() {
  std::mt19937 rng(20261201);
  for (const Path& path : paths_()) {
    std::printf("half kernels: %s\n", isa_name(path.isa));
    all_patterns_(path);
    against_serial_(path, rng);
  }
  return finish_();
}
