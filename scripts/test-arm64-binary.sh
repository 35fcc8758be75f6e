#!/usr/bin/env bash
# Runs prebuilds/linux-arm64/prunekit.node for real: in Debian bookworm's arm64 node (nodejs 18) under
# qemu-aarch64-static, checks that simdInfo() reports neon active and that the kernels give hand-computed
# scores on NEON and scalar (test/package/binary-check.js), and that the package's loader picks the binary.
#
# Debian's nodejs:arm64 is NOT installed with apt: the host's node is itself a dpkg package (nodejs, amd64),
# and nodejs is not Multi-Arch: same, so `apt-get install nodejs:arm64` would remove the host's node and npm.
# Instead apt downloads nodejs:arm64 and its libraries with a private configuration (its own sources list,
# package lists and empty status file; dpkg and /etc/apt are not touched) and dpkg-deb unpacks them into a
# folder that qemu uses as the root for the arm64 loader and libraries (-L). The folder is kept as a cache:
#   ${PRUNEKIT_ARM64_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/prunekit/debian-bookworm-arm64}
# Installs qemu-user-static with apt-get if missing, builds the arm64 binary if missing (scripts/prebuild.sh).
# Exits 0 with "skipped: <reason>" only if those packages cannot be had; the last line otherwise is
# `<n> passed, <n> failed`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary="$root/prebuilds/linux-arm64/prunekit.node"
cache=${PRUNEKIT_ARM64_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/prunekit/debian-bookworm-arm64}
mirror=${PRUNEKIT_DEBIAN_MIRROR:-http://deb.debian.org}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
start=$SECONDS

skipped() { echo "skipped: $*"; exit 0; }

if [ ! -f "$binary" ]; then
  echo "== $binary missing: scripts/prebuild.sh linux-arm64"
  bash "$root/scripts/prebuild.sh" linux-arm64
fi

run=()
if [ "$(uname -m)" = aarch64 ]; then
  run=(node) # an arm64 host runs it directly
else
  if ! command -v qemu-aarch64-static >/dev/null; then
    echo "== apt-get install qemu-user-static"
    { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; } || skipped "qemu-aarch64-static is missing and cannot be installed here (needs root and apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null; } ||
      skipped "apt-get install qemu-user-static failed"
  fi

  if [ ! -x "$cache/root/usr/bin/node" ]; then
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skipped "apt-get and dpkg-deb are needed to fetch Debian's nodejs:arm64"
    [ -f "$keyring" ] || skipped "$keyring is missing (not a Debian host?)"
    echo "== downloading Debian bookworm nodejs:arm64 and its libraries into $cache (private apt state, dpkg untouched)"
    rm -rf "$cache"
    mkdir -p "$cache/apt/state/lists/partial" "$cache/apt/cache/archives/partial" "$cache/apt/etc"
    : >"$cache/apt/status"
    for archive_suite in "debian bookworm" "debian bookworm-updates" "debian-security bookworm-security"; do
      read -r archive suite <<<"$archive_suite"
      echo "deb [arch=arm64 signed-by=$keyring] $mirror/$archive $suite main"
    done >"$cache/apt/etc/sources.list"
    apt_private=(
      -o "Dir::Etc::SourceList=$cache/apt/etc/sources.list" -o "Dir::Etc::SourceParts=$cache/apt/etc/none"
      -o "Dir::State=$cache/apt/state" -o "Dir::State::status=$cache/apt/status" -o "Dir::Cache=$cache/apt/cache"
      -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1
    )
    # apt-get update exits 0 when a fetch fails (it only warns): look for the lists themselves.
    apt-get "${apt_private[@]}" -qq update >"$cache/apt.log" 2>&1
    ls "$cache"/apt/state/lists/*_bookworm_main_binary-arm64_Packages* >/dev/null 2>&1 ||
      skipped "cannot fetch Debian's arm64 package lists from $mirror: $(grep -m1 -E '^(W|E):' "$cache/apt.log")"
    apt-get "${apt_private[@]}" -qq -y --no-install-recommends install --download-only nodejs >>"$cache/apt.log" 2>&1 ||
      skipped "cannot download nodejs:arm64 and its libraries: $(tail -1 "$cache/apt.log")"
    mkdir -p "$cache/root.tmp"
    for deb in "$cache"/apt/cache/archives/*.deb; do dpkg-deb -x "$deb" "$cache/root.tmp"; done
    mv "$cache/root.tmp" "$cache/root"
    echo "   $(ls "$cache"/apt/cache/archives/*.deb | wc -l) packages, $(du -sh "$cache/root" | cut -f1) unpacked"
    rm -f "$cache"/apt/cache/archives/*.deb
  fi
  # -L: the arm64 loader and every absolute path it opens are looked up under the unpacked root first.
  run=(env LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
    qemu-aarch64-static -L "$cache/root" "$cache/root/usr/bin/node")
fi

echo "== $(file -b "$binary" | cut -d, -f1-2) in arm64 node$([ "$(uname -m)" = aarch64 ] || echo ' under qemu-aarch64-static')"
passed=0 failed=0
set +e
out=$("${run[@]}" "$root/test/package/binary-check.js" "$binary" neon "$root" 2>&1)
rc=$?
set -e
while IFS= read -r line; do
  case "$line" in "ok "*) passed=$((passed + 1)) ;; "FAIL "*) failed=$((failed + 1)) ;; esac
  echo "$line"
done <<<"$out"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
  echo "FAIL arm64 node exited with status $rc"
fi
echo "test-arm64-binary took $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
