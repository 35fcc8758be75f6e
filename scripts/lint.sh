#!/usr/bin/env bash
# npm run lint: every check runs, each prints `ok <check>` or `FAIL <check>` with its output, and the script
# exits 1 if any failed (so a formatting failure does not hide a type error behind it).
#   typecheck    tsc --noEmit over lib/, test/, examples/ (tsconfig.test.json)
#   types        the public API's type tests (test/types, `@ts-expect-error` checks: tsconfig.types.json)
#   eslint       typescript-eslint's recommended rules (eslint.config.mjs)
#   prettier     prettier --check (.prettierrc: 120 columns; .prettierignore)
#   clang-format clang-format --dry-run -Werror over native/ (.clang-format: Google style, 120 columns)
# npm run format writes what the last two check.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
step() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then echo "ok $name"; else echo "FAIL $name"; printf '%s\n' "$out" | tail -60 | sed 's/^/     /'; failed+=("$name"); fi
}
cpp_files() { find native \( -name '*.cc' -o -name '*.h' \) -print | sort; }
clang_format_check() {
  command -v clang-format >/dev/null || { echo "clang-format not found: apt-get install clang-format"; return 1; }
  # shellcheck disable=SC2046
  clang-format --dry-run -Werror $(cpp_files)
}
step typecheck npx tsc -p tsconfig.test.json
step types npx tsc -p tsconfig.types.json
step eslint npx eslint .
step prettier npx prettier --check .
step clang-format clang_format_check
if [ ${#failed[@]} -gt 0 ]; then echo "lint: ${#failed[@]} failed: ${failed[*]}"; exit 1; fi
echo "lint: all passed"
