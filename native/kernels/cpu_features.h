// What the CPU and the OS can run, read from cpuid and xgetbv (x86) or known by the target (AArch64).
#pragma once

namespace prunekit {
// Bitmask of Isa values (dispatch.h) this machine can execute, whether compiled in or not.
unsigned detect_cpu_isas();
}  // namespace prunekit
