// Run-time choice of instruction set: CPU detection once, a best-first choice, and a call that may pick
// any set this CPU (and its OS) can run, for tests and benchmarks. Never hands out a path the CPU lacks.
#pragma once
#include "half.h"
#include "mask.h"
#include "prune16.h"
#include "score.h"

namespace prunekit {

enum Isa : unsigned {
  kIsaSerial = 1u << 0,
  kIsaAvx2 = 1u << 1,
  kIsaAvx512 = 1u << 2,
  kIsaNeon = 1u << 3,
};

// Sets compiled into this binary.
unsigned isa_compiled();
// Sets compiled in and runnable here (cpuid feature bits and, on x86, the OS saving the registers: xgetbv).
unsigned isa_supported();
// The set in use now (the best supported one until isa_select changes it).
Isa isa_active();
// Switches to `isa`; false (and nothing changes) when it is not supported here.
bool isa_select(Isa isa);

// Every set prunekit knows, compiled into this binary or not, in the order simdInfo lists them: the one
// place their names are written.
struct IsaName {
  Isa isa;
  const char* name;
};
inline constexpr IsaName kIsaNames[] = {
    {kIsaSerial, "scalar"}, {kIsaAvx2, "avx2"}, {kIsaAvx512, "avx512"}, {kIsaNeon, "neon"}};

const char* isa_name(Isa isa);
// Parses a name of kIsaNames, or "serial" (another name of "scalar"); false for anything else.
bool isa_parse(const char* name, Isa* out);

// The kernel table of the active set.
const ScoreKernels& score_kernels();
// The mask kernel table of the active set (mask.h).
const MaskKernels& mask_kernels();
// The 16-bit float kernel table of the active set (half.h).
const HalfKernels& half_kernels();
// The 16-bit pruning and mask report kernel table of the active set (prune16.h).
const Prune16Kernels& prune16_kernels();

}  // namespace prunekit
