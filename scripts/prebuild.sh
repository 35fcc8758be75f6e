#!/usr/bin/env bash
# npm run prebuilds: builds the N-API addon shipped inside the npm package, one binary per platform:
#   prebuilds/linux-x64/prunekit.node     native build (x86_64 host)
#   prebuilds/linux-arm64/prunekit.node   cross-compiled with aarch64-linux-gnu-g++ (Debian g++-aarch64-linux-gnu)
# Each is built from a clean folder (build-prebuild/<target>, ignored by git), stripped, and checked with
# `file` to be an ELF shared object of the right machine. The loader (lib/native.ts) picks
# prebuilds/<process.platform>-<process.arch>/prunekit.node on glibc Linux.
#
# Usage: scripts/prebuild.sh [--missing] [target...]     targets: linux-x64 linux-arm64 (default: both)
#   --missing   build only the targets whose binary is missing or older than CMakeLists.txt or a file under
#               native/ (what `npm pack` runs, from "prepack"); exits 1, naming the target, if one cannot be built,
#               so a tarball without both binaries is never made.
# Needs cmake, ninja or make, g++, and for linux-arm64 on an x86_64 host g++-aarch64-linux-gnu.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

only_missing=0
if [ "${1:-}" = --missing ]; then only_missing=1; shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux-x64 linux-arm64)
host=$(node -p 'process.platform + "-" + process.arch')
cmake_js=(node "$root/node_modules/cmake-js/bin/cmake-js")
[ -f "$root/node_modules/cmake-js/bin/cmake-js" ] || { echo "prebuild: cmake-js is missing: run npm install first" >&2; exit 1; }

# The highest symbol versions a binary needs from glibc and libstdc++: the oldest distribution it loads on.
needs() {
  objdump -T "$1" | grep -oE '\b(GLIBC|GLIBCXX|CXXABI)_[0-9.]+' | sort -uV |
    awk -F_ '{ max[$1] = $0 } END { for (k in max) print max[k] }' | sort | paste -sd ' '
}

# The oldest systems a prebuilt binary must load on: glibc 2.17 and the libstdc++ of GCC 6 (Debian 9,
# Ubuntu 18.04, RHEL 8, Amazon Linux 2 and newer). A symbol beyond these fails the build here rather than
# the user's install there.
MAX_GLIBC=2.17
MAX_GLIBCXX=3.4.22
too_new() {
  objdump -T "$1" | grep -oE '\b(GLIBC|GLIBCXX)_[0-9.]+' | sort -u | while IFS=_ read -r lib version; do
    limit=$MAX_GLIBC
    [ "$lib" = GLIBCXX ] && limit=$MAX_GLIBCXX
    [ "$(printf '%s\n%s\n' "$version" "$limit" | sort -V | tail -n 1)" = "$limit" ] || echo "${lib}_$version"
  done | paste -sd ' '
}

# True if prebuilds/<target>/prunekit.node exists and no source is newer than it.
up_to_date() {
  local dest="$root/prebuilds/$1/prunekit.node"
  [ -f "$dest" ] && [ -z "$(find "$root/native" "$root/CMakeLists.txt" -type f -newer "$dest" -print -quit)" ]
}

if [ "$only_missing" = 1 ]; then
  stale=()
  for target in "${targets[@]}"; do
    if up_to_date "$target"; then echo "prebuild: prebuilds/$target/prunekit.node is up to date"; else stale+=("$target"); fi
  done
  [ ${#stale[@]} -gt 0 ] || exit 0
  echo "prebuild: building ${stale[*]} (missing or older than the sources); a package must hold linux-x64 and linux-arm64"
  targets=("${stale[@]}")
  trap 'rc=$?; [ $rc -eq 0 ] || echo "prebuild: FAILED: the package would lack prebuilds/ for ${targets[*]}: not packing (see above)" >&2' EXIT
fi

mkdir -p "$root/build-prebuild"
start=$SECONDS
for target in "${targets[@]}"; do
  t0=$SECONDS
  extra=()
  case "$target" in
    linux-x64) machine='x86-64'; strip_tool=strip; cross=x86_64-linux-gnu-g++ ;;
    linux-arm64) machine='ARM aarch64'; strip_tool=aarch64-linux-gnu-strip; cross=aarch64-linux-gnu-g++
      extra=(--arch arm64 "--CDCMAKE_TOOLCHAIN_FILE=$root/native/test/aarch64-linux-gnu.cmake") ;;
    *) echo "prebuild: unknown target $target (known: linux-x64 linux-arm64)" >&2; exit 1 ;;
  esac
  if [ "$target" != "$host" ]; then
    [ "$target" = linux-arm64 ] || { echo "prebuild: cannot build $target on $host (no toolchain file for it)" >&2; exit 1; }
    command -v "$cross" >/dev/null || { echo "prebuild: $cross not found: apt-get install g++-aarch64-linux-gnu" >&2; exit 1; }
    command -v "$strip_tool" >/dev/null || { echo "prebuild: $strip_tool not found (binutils-aarch64-linux-gnu)" >&2; exit 1; }
    kind="cross-compiled with $cross"
  else
    extra=()
    strip_tool=strip
    kind=native
  fi

  out="$root/build-prebuild/$target"
  dest="$root/prebuilds/$target/prunekit.node"
  echo "== $target ($kind)"
  # rebuild = clean the folder, configure, build: a release artifact never reuses a stale cache.
  "${cmake_js[@]}" rebuild --log-level warn --out "$out" --parallel "$(nproc)" "${extra[@]}" >"$out.log" 2>&1 || {
    cat "$out.log" >&2
    echo "prebuild: $target failed (log above, also in $out.log)" >&2
    exit 1
  }
  mkdir -p "$(dirname "$dest")"
  cp "$out/Release/prunekit.node" "$dest.tmp"
  "$strip_tool" --strip-unneeded "$dest.tmp"
  description=$(file -b "$dest.tmp")
  case "$description" in
    "ELF 64-bit LSB shared object, $machine,"*) ;;
    *) rm -f "$dest.tmp"; echo "prebuild: $target: expected an ELF 64-bit $machine shared object, file says: $description" >&2; exit 1 ;;
  esac
  newer=$(too_new "$dest.tmp")
  if [ -n "$newer" ]; then
    rm -f "$dest.tmp"
    echo "prebuild: $target needs $newer, beyond glibc $MAX_GLIBC / GLIBCXX_$MAX_GLIBCXX: it would not load on older systems" >&2
    exit 1
  fi
  mv "$dest.tmp" "$dest"
  echo "   ${dest#"$root"/}: $description"
  echo "   $(stat -c %s "$dest") bytes, needs $(needs "$dest"), built in $((SECONDS - t0)) s"
done
echo "prebuild: ${#targets[@]} target(s) in $((SECONDS - start)) s"
echo "note: in this checkout the loader now prefers prebuilds/$host over build/Release; delete prebuilds/ (or set" \
  "PRUNEKIT_BINARY) to test a fresh local build"
