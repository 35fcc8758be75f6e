#!/usr/bin/env bash
# CI, repository hygiene (called by .ci/run): lint, warnings as errors in the native build, test coverage.
#  1. npm run lint: tsc over lib/ test/ examples/, the public API's type tests, eslint, prettier --check,
#     clang-format --dry-run -Werror (scripts/lint.sh)
#  2. the addon (cmake-js) and the kernel tests (plain cmake, x86_64 and the aarch64 cross build) compiled
#     with -DPRUNEKIT_WERROR=ON: any compiler warning fails CI (build only: .ci/run runs the tests)
#  3. npm run coverage: the jest suite with coverage of lib/ and the floor set in jest.config.js
# Installs clang-format (Debian) if missing and the npm devDependencies if node_modules is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS

if ! command -v clang-format >/dev/null; then
  echo "== apt-get install clang-format"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang-format >/dev/null
fi
[ -d node_modules/eslint ] || npm install --no-audit --no-fund

echo "== npm run lint"
npm run --silent lint

echo "== -Werror builds (PRUNEKIT_WERROR=ON)"
t0=$SECONDS
node node_modules/cmake-js/bin/cmake-js rebuild --log-level warn --out build-werror/addon --CDPRUNEKIT_WERROR=ON \
  >build-werror.log 2>&1 || { cat build-werror.log; echo "FAIL the addon has compiler warnings (-Werror)"; exit 1; }
cmake -S . -B build-werror/kernels -DCMAKE_BUILD_TYPE=Release -DPRUNEKIT_WERROR=ON >build-werror.log 2>&1 &&
  cmake --build build-werror/kernels -j "$(nproc)" >>build-werror.log 2>&1 ||
  { cat build-werror.log; echo "FAIL the kernel tests have compiler warnings (-Werror)"; exit 1; }
if command -v aarch64-linux-gnu-g++ >/dev/null; then
  cmake -S . -B build-werror/aarch64 -DCMAKE_BUILD_TYPE=Release -DPRUNEKIT_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE="$PWD/native/test/aarch64-linux-gnu.cmake" >build-werror.log 2>&1 &&
    cmake --build build-werror/aarch64 -j "$(nproc)" >>build-werror.log 2>&1 ||
    { cat build-werror.log; echo "FAIL the aarch64 build has compiler warnings (-Werror)"; exit 1; }
  echo "ok addon, kernel tests and their aarch64 cross build compile with -Werror ($((SECONDS - t0)) s)"
else
  echo "ok addon and kernel tests compile with -Werror ($((SECONDS - t0)) s; no aarch64-linux-gnu-g++: cross build skipped)"
fi
rm -f build-werror.log

echo "== npm run coverage"
npm run --silent coverage

echo "repo.sh took $((SECONDS - start)) s"
