#!/usr/bin/env bash
# Kernel tests: every SIMD kernel against the scalar oracle, bit for bit.
#  1. native build (x86_64 here: scalar, AVX2, AVX-512 as far as this CPU runs them)
#  2. AArch64 cross build run under qemu-aarch64-static (scalar, NEON)
# Needs cmake and g++; step 2 needs g++-aarch64-linux-gnu and qemu-user-static (Debian packages; .ci/run
# installs them). Set PRUNEKIT_SKIP_AARCH64=1 to run step 1 only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

echo "== native kernel tests ($(uname -m))"
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j "$(nproc)" >/dev/null
(cd build-native && ctest --output-on-failure -V --timeout 300)

if [ "${PRUNEKIT_SKIP_AARCH64:-0}" = 1 ]; then
  echo "== aarch64 kernel tests skipped (PRUNEKIT_SKIP_AARCH64=1)"
  exit 0
fi
if [ "$(uname -m)" = aarch64 ]; then exit 0; fi
for tool in aarch64-linux-gnu-g++ qemu-aarch64-static; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install g++-aarch64-linux-gnu qemu-user-static" >&2; exit 1; }
done
echo "== aarch64 kernel tests (cross-compiled, run under qemu-aarch64-static)"
cmake -S . -B build-aarch64 -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/native/test/aarch64-linux-gnu.cmake" >/dev/null
cmake --build build-aarch64 -j "$(nproc)" >/dev/null
# The thread pool's stress test is not run under qemu-user: one run of it hung there (every thread asleep,
# 2026-12-04) while it passes natively; until that is explained, the pool is tested on the host (above, and
# under ASan/TSan in scripts/ci/trust.sh), not through qemu's emulation of futexes.
(cd build-aarch64 && ctest --output-on-failure -V --timeout 300 -E '^thread_pool$')
