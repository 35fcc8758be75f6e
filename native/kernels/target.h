// Opens and closes a region of code compiled for one instruction set, so that a single binary built at the
// baseline -march holds every path (no per-file -mavx2: the linker could merge an inline helper compiled
// for AVX2 into code that runs on an older CPU). Use as:
//   PRUNEKIT_TARGET_BEGIN("avx2") ... PRUNEKIT_TARGET_END
#pragma once

#if defined(__clang__)
#define PRUNEKIT_PRAGMA_(x) _Pragma(#x)
#define PRUNEKIT_TARGET_BEGIN(isa) \
  PRUNEKIT_PRAGMA_(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define PRUNEKIT_TARGET_END _Pragma("clang attribute pop")
#elif defined(__GNUC__)
#define PRUNEKIT_PRAGMA_(x) _Pragma(#x)
#define PRUNEKIT_TARGET_BEGIN(isa) _Pragma("GCC push_options") PRUNEKIT_PRAGMA_(GCC target(isa))
#define PRUNEKIT_TARGET_END _Pragma("GCC pop_options")
#else
#error "prunekit's kernels need GCC or clang"
#endif
