#!/usr/bin/env bash
# npm run test:package: what a user gets from the registry, checked end to end.
#  1. npm run prebuilds (linux-x64, linux-arm64); `npm pack` (which runs "prepack": a clean TypeScript build and
#     a check that both prebuilt binaries are there and up to date)
#  2. the tarball's file list (tar tzf): what must be in it (dist/lib, binding.d.ts, both prebuilt binaries,
#     CMakeLists.txt and every native/ source, so a from-source build is possible) and what must not
#     (build/, test/, node_modules/, binding.gyp); its package.json has no install script (preinstall, install,
#     postinstall, and prepare, which npm runs for a tarball or git install); the binaries are
#     ELF objects of the right machine; every relative import of dist/ resolves inside the package
#  3. a new project in a temp folder installs the tarball with a PATH holding node, npm, npx and sh only
#     (no cc, c++, gcc, g++, clang, cmake, make, ninja); npm prints no install-script warning and installs only
#     the runtime dependencies (prunekit's `dependencies` and theirs); then runs test/package/smoke.js: the binding is
#     the prebuilt one, every criterion on every supported instruction set matches hand-computed scores;
#     and type-checks test/package/types.js against the shipped declarations
#  4. `npx prunekit info` in that project says "prebuilt", once the CLI is in the package (skipped before)
#  5. a from-source build of the installed package: `npx prunekit build` first fails saying which packages to
#     install (cmake-js, node-addon-api: not dependencies), then, with exactly that command run, builds (full PATH);
#     the build loads as "built" with the prebuilt binaries moved away (PRUNEKIT_PACKAGE_SOURCE_BUILD=0 skips it)
# Each check prints `ok ...`, `FAIL ...` or `skip ...`; the last line is `<n> passed, <n> failed, <n> skipped`.
# Exit status 1 if any check failed. PRUNEKIT_SKIP_PREBUILD=1 packs the prebuilds/ already there;
# PRUNEKIT_KEEP_TMP=1 keeps the temp folder (it is always kept after a failure).
set -uo pipefail
shopt -s lastpipe # `... | count_lines` runs count_lines in this shell, so its counts stay
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/prunekit-package.XXXXXX")
app="$work/app"
bin="$work/bin"
start=$SECONDS
passed=0 failed=0 skipped=0

indent() { sed 's/^/     /'; }
pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; if [ -n "${2:-}" ]; then printf '%s\n' "$2" | indent; fi; }
skip() { skipped=$((skipped + 1)); echo "skip $1"; }
# check <description> <command...>: passes if the command succeeds; its output is shown only on failure.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "$out"; fi
}
# Counts the ok/FAIL lines of a test program's output (smoke.js) and shows its other lines.
count_lines() {
  local line
  while IFS= read -r line; do
    case "$line" in
      "ok "*) passed=$((passed + 1)) ;;
      "FAIL "*) failed=$((failed + 1)) ;;
    esac
    echo "$line"
  done
}
finish() {
  echo "test:package took $((SECONDS - start)) s"
  if [ "$failed" -gt 0 ] || [ "${PRUNEKIT_KEEP_TMP:-0}" = 1 ]; then echo "temp folder kept: $work"; else rm -rf "$work"; fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
  exit
}
# A step the rest depends on failed: stop here.
abort() { fail "$1" "${2:-}"; finish; }

# -- 1. prebuild and pack
if [ "${PRUNEKIT_SKIP_PREBUILD:-0}" = 1 ]; then
  skip "npm run prebuilds (PRUNEKIT_SKIP_PREBUILD=1: packing the prebuilds/ already there)"
else
  echo "== npm run prebuilds (scripts/prebuild.sh)"
  t0=$SECONDS
  if out=$(bash "$root/scripts/prebuild.sh" 2>&1); then
    printf '%s\n' "$out" | indent
    pass "prebuild linux-x64 and linux-arm64 ($((SECONDS - t0)) s)"
  else
    abort "prebuild" "$out"
  fi
fi

echo "== npm pack"
t0=$SECONDS
mkdir -p "$work/pack"
(cd "$root" && npm pack --pack-destination "$work/pack" >"$work/pack.log" 2>&1) || abort "npm pack (runs prepack)" "$(tail -40 "$work/pack.log")"
tgz=$(ls "$work/pack"/*.tgz 2>/dev/null | head -1)
[ -n "$tgz" ] || abort "npm pack made a tarball" "$(tail -40 "$work/pack.log")"
pass "npm pack (runs prepack): $(basename "$tgz"), $(stat -c %s "$tgz") bytes ($((SECONDS - t0)) s)"

# -- 2. the tarball
echo "== tarball contents (tar tzf)"
list=$(tar tzf "$tgz") || abort "tar tzf $(basename "$tgz")"
has() { grep -qxF "package/$1" <<<"$list" || { echo "missing: $1"; return 1; }; }
has_all() { local f rc=0; for f in "$@"; do has "$f" || rc=1; done; return $rc; }
has_none() { # has_none <extended regex of paths below package/>...
  local re hits rc=0
  for re in "$@"; do
    hits=$(grep -E "^package/($re)" <<<"$list" | head -5)
    if [ -n "$hits" ]; then printf 'should not be packed:\n%s\n' "$hits"; rc=1; fi
  done
  return $rc
}
check "holds package.json, README.md, binding.d.ts, CMakeLists.txt" has_all package.json README.md binding.d.ts CMakeLists.txt
check "holds dist/lib (index.js, index.d.ts, native.js)" has_all dist/lib/index.js dist/lib/index.d.ts dist/lib/native.js dist/lib/native.d.ts
check "holds prebuilds/linux-x64 and prebuilds/linux-arm64" has_all prebuilds/linux-x64/prunekit.node prebuilds/linux-arm64/prunekit.node
# shellcheck disable=SC2046
check "holds every file under native/ ($(cd "$root" && find native -type f | wc -l) files)" has_all $(cd "$root" && find native -type f | sort)
# shellcheck disable=SC2046
check "holds every source CMakeLists.txt names" has_all $(grep -oE 'native/[A-Za-z0-9_./-]+\.(cc|cpp|h|hpp)' "$root/CMakeLists.txt" | sort -u)
check "holds no build/, build-*/, test/, node_modules/, binding.gyp, *.tgz" \
  has_none 'build/' 'build-[^/]*/' 'test/' 'node_modules/' 'binding\.gyp$' '.*\.tgz$'

mkdir -p "$work/extract"
tar xzf "$tgz" -C "$work/extract" || abort "tar xzf"
pkg="$work/extract/package"
check "package.json has no preinstall, install, postinstall or prepare script and no gypfile" node -e '
  const p = require(process.argv[1]);
  const bad = ["preinstall", "install", "postinstall", "prepare"].filter((s) => p.scripts && p.scripts[s]);
  if (bad.length || p.gypfile) { console.log("found:", bad.join(" "), p.gypfile ? "gypfile" : ""); process.exit(1); }' "$pkg/package.json"
elf_is() { local d; d=$(file -b "$1"); case "$d" in "ELF 64-bit LSB shared object, $2,"*) echo "$d" ;; *) echo "$1: $d"; return 1 ;; esac; }
check "packed prebuilds/linux-x64/prunekit.node is an x86-64 shared object" elf_is "$pkg/prebuilds/linux-x64/prunekit.node" x86-64
check "packed prebuilds/linux-arm64/prunekit.node is an ARM aarch64 shared object" elf_is "$pkg/prebuilds/linux-arm64/prunekit.node" 'ARM aarch64'
check "every relative import in dist/ resolves inside the package" node "$root/test/package/check-imports.js" "$pkg"

# -- 3. install with no compiler on PATH, smoke test, types
echo "== install into an empty project with no compiler on PATH"
mkdir -p "$bin" "$app"
for tool in node npm npx sh; do
  p=$(command -v "$tool") || abort "find $tool on PATH"
  ln -s "$p" "$bin/$tool"
done
no_compilers() {
  local t found=()
  for t in cc c++ gcc g++ clang clang++ cmake make ninja; do PATH=$bin command -v "$t" >/dev/null && found+=("$t"); done
  [ ${#found[@]} -eq 0 ] || { echo "found on the test PATH: ${found[*]}"; return 1; }
  PATH=$bin node --version && PATH=$bin npm --version
}
check "test PATH ($bin) has node and npm but no cc, c++, gcc, g++, clang, cmake, make, ninja" no_compilers
printf '{ "name": "prunekit-package-test", "version": "1.0.0", "private": true }\n' >"$app/package.json"
t0=$SECONDS
(cd "$app" && PATH=$bin npm install --no-audit --no-fund --prefer-offline "$tgz" >"$work/install.log" 2>&1) ||
  abort "npm install $(basename "$tgz") with no compiler" "$(tail -40 "$work/install.log")"
pass "npm install $(basename "$tgz") with no compiler on PATH ($((SECONDS - t0)) s)"
installed="$app/node_modules/prunekit"
check "nothing was compiled at install (no node_modules/prunekit/build)" test ! -e "$installed/build"
# npm 11 lists every not-yet-allowed package with install scripts ("npm warn install-scripts ...").
no_script_warning() { ! grep -iE 'install.?script|allowScripts|gyp' "$work/install.log"; }
check "npm install printed no install-script warning" no_script_warning
# The packages installed are prunekit and the closure of its `dependencies`, as npm resolves them for the
# repository itself (npm ls --omit=dev); nothing only a from-source build needs. `npm ls` also lists an
# optional peer that is not installed (@tensorflow/tfjs-core, for prunekit/tfjs) as an entry without a
# version: only entries with a version are installed packages.
only_runtime_deps() {
  node -e '
    const { execFileSync } = require("node:child_process");
    const names = (dir, omitDev) => {
      const args = ["ls", "--all", "--json", ...(omitDev ? ["--omit=dev"] : [])];
      const tree = JSON.parse(execFileSync("npm", args, { cwd: dir, encoding: "utf8" }));
      const out = new Set();
      (function walk(deps) { for (const [n, d] of Object.entries(deps || {})) { if (d.version) out.add(n); walk(d.dependencies); } })(tree.dependencies);
      return out;
    };
    const want = names(process.argv[1], true);
    want.add("prunekit");
    const got = names(process.argv[2], false);
    const extra = [...got].filter((n) => !want.has(n)), lacking = [...want].filter((n) => !got.has(n));
    console.log(`installed ${got.size} packages: ${[...got].sort().join(", ")}`);
    for (const n of ["cmake-js", "node-addon-api", "node-api-headers", "bindings"]) if (got.has(n)) extra.push(`${n} (build-only)`);
    if (extra.length || lacking.length) { console.log(`extra: ${extra.join(", ") || "none"}; missing: ${lacking.join(", ") || "none"}`); process.exit(1); }' \
    "$root" "$app"
}
if out=$(only_runtime_deps 2>&1); then pass "only the runtime dependencies are installed ($(head -1 <<<"$out"))"; else fail "only the runtime dependencies are installed" "$out"; fi

echo "== smoke test (test/package/smoke.js) in that project"
cp "$root/test/package/smoke.js" "$root/test/package/types.js" "$app/"
(cd "$app" && PATH=$bin node smoke.js prebuilt 2>&1) | count_lines
[ "${PIPESTATUS[0]}" -eq 0 ] || [ "$failed" -gt 0 ] || fail "smoke.js exited with an error"

tsc="$root/node_modules/typescript/bin/tsc"
if [ -f "$tsc" ] && [ -d "$root/node_modules/@types/node" ]; then
  check "the shipped declarations type-check a consumer (tsc --checkJs, skipLibCheck off)" \
    bash -c 'cd "$1" && PATH=$2 node "$3" --noEmit --allowJs --checkJs --strict --skipLibCheck false \
      --module commonjs --moduleResolution node --target es2022 --types node --typeRoots "$4" types.js' \
    _ "$app" "$bin" "$tsc" "$root/node_modules/@types"
else
  skip "type check (typescript or @types/node missing from $root/node_modules: run npm install)"
fi

# -- 4. the CLI, once it ships
if [ -f "$installed/dist/lib/cli/main.js" ]; then
  echo "== npx prunekit info (no compiler on PATH)"
  if out=$(cd "$app" && PATH=$bin npx --no-install prunekit info 2>&1); then rc=0; else rc=$?; fi
  printf '%s\n' "$out" | indent
  if [ "$rc" -eq 0 ] && grep -q "prebuilds/$(node -p 'process.platform + "-" + process.arch')/prunekit.node (prebuilt)" <<<"$out"; then
    pass "npx prunekit info says prebuilt"
  else
    fail "npx prunekit info says prebuilt (exit code $rc)"
  fi
else
  skip "npx prunekit info (dist/lib/cli/main.js is not in the package yet)"
fi

# -- 4b. npx prunekit prune on a checkpoint; an independent reader (Python, struct + json) counts the zeros
if [ -f "$installed/dist/lib/cli/main.js" ]; then
  echo "== npx prunekit prune (no compiler on PATH)"
  check "a checkpoint written with the package's safetensors writer" \
    bash -c "cd '$app' && PATH='$bin' node '$root/test/package/make-checkpoint.js' model.safetensors"
  if out=$(cd "$app" && PATH=$bin npx --no-install prunekit prune model.safetensors -o pruned.safetensors \
    --sparsity 0.75 --pattern 4x1 --scope global --json 2>&1); then rc=0; else rc=$?; fi
  if [ "$rc" -eq 0 ]; then pass "npx prunekit prune --sparsity 0.75 --pattern 4x1 exits 0"; else fail "npx prunekit prune (exit code $rc)" "$out"; fi
  check "the sparsity prune reports is what an independent reader counts in the written file" node -e '
    const report = JSON.parse(process.argv[1]);
    const counted = JSON.parse(require("node:child_process").execFileSync("python3", [process.argv[2], process.argv[3]], { encoding: "utf8" }));
    const layers = report.layers;
    let pruned = 0, total = 0;
    for (const l of layers) {
      const [zeros, n] = counted[l.name];
      if (zeros !== l.pruned || n !== l.elements) throw new Error(`${l.name}: reported ${l.pruned}/${l.elements}, file has ${zeros}/${n}`);
      pruned += zeros; total += n;
    }
    if (Math.abs(pruned / total - 0.75) > 4 / total) throw new Error(`overall ${pruned}/${total} is not 0.75 to one block`);
    if (counted["encoder.fc1.bias"][0] !== 0) throw new Error("the bias was pruned");
    console.log(`${pruned}/${total} pruned, as reported`);' "$out" "$root/test/package/count_zeros.py" "$app/pruned.safetensors"
fi

# -- 5. from source, from the tarball's files alone
if [ "${PRUNEKIT_PACKAGE_SOURCE_BUILD:-1}" = 0 ]; then
  skip "from-source build of the installed package (PRUNEKIT_PACKAGE_SOURCE_BUILD=0)"
else
  # Without cmake-js and node-addon-api (not dependencies), `npx prunekit build` says what to install; the
  # command it gives is then run as given, and the build must succeed.
  echo "== npx prunekit build without its build tools"
  if out=$(cd "$app" && npx --no-install prunekit build 2>&1); then rc=0; else rc=$?; fi
  install_line=$(grep -oE 'npm install --save-dev cmake-js@[^ ]+ node-addon-api@[^ `]+' <<<"$out" | head -1)
  if [ "$rc" -eq 1 ] && [ -n "$install_line" ]; then
    pass "npx prunekit build exits 1 and says: $install_line"
  else
    fail "npx prunekit build without cmake-js and node-addon-api says what to install (exit code $rc)" "$out"
  fi
  [ -n "$install_line" ] || install_line="npm install --save-dev cmake-js node-addon-api"
  check "$install_line (in the project)" bash -c "cd '$app' && $install_line --no-audit --no-fund --prefer-offline"
  how="npx prunekit build"
  build_cmd=(npx --no-install prunekit build)
  echo "== from source: $how (full PATH), then the prebuilt binaries moved away"
  t0=$SECONDS
  if out=$(cd "$app" && "${build_cmd[@]}" 2>&1); then
    pass "$how ($((SECONDS - t0)) s)"
    mv "$installed/prebuilds" "$work/prebuilds.aside"
    (cd "$app" && PATH=$bin node smoke.js built 2>&1) | count_lines
    [ "${PIPESTATUS[0]}" -eq 0 ] || [ "$failed" -gt 0 ] || fail "smoke.js (built) exited with an error"
    mv "$work/prebuilds.aside" "$installed/prebuilds"
  else
    fail "$how" "$(tail -30 <<<"$out")"
  fi
fi

finish
