// CPU detection. On x86 a feature bit in cpuid is not enough: the OS must also save the wider registers on
// context switch, which XCR0 (read with xgetbv, allowed once cpuid reports OSXSAVE) tells. AVX2 needs the
// SSE and AVX state (XCR0 bits 1, 2); AVX-512 also the opmask and both halves of the upper ZMM state
// (bits 5, 6, 7). Without that check a CPU whose OS leaves AVX-512 off would get a SIGILL.
#include "cpu_features.h"

#include "dispatch.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <cstdint>
#endif

namespace prunekit {

#if defined(__x86_64__) || defined(_M_X64)
namespace {

std::uint64_t read_xcr0_() {
  std::uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

}  // namespace

unsigned detect_cpu_isas() {
  unsigned isas = kIsaSerial;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return isas;
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  const bool f16c = ecx & (1u << 29);  // the AVX2 set's F16 decoder (half/avx2.cc); every AVX2 CPU has it
  if (!osxsave || !avx) return isas;
  const std::uint64_t xcr0 = read_xcr0_();
  const bool os_avx = (xcr0 & 0x6) == 0x6;
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, nullptr) < 7) return isas;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = ebx & (1u << 5);
  const bool avx512f = ebx & (1u << 16);
  if (os_avx && avx2 && f16c) isas |= kIsaAvx2;
  if (os_avx512 && avx512f) isas |= kIsaAvx512;
  return isas;
}

#elif defined(__aarch64__)

unsigned detect_cpu_isas() { return kIsaSerial | kIsaNeon; }  // Advanced SIMD is mandatory on AArch64

#else

unsigned detect_cpu_isas() { return kIsaSerial; }

#endif

}  // namespace prunekit
