#!/usr/bin/env bash
# CI (speed): a smoke run of the benchmark, so its code (the PyTorch and tfjs-wasm columns included, each
# skipped when absent) keeps working. A few seconds; the figures of a CI machine are not checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
node dist/lib/cli/main.js bench --quick --layers 0 --sizes 4096,65536 >/dev/null
echo "bench --quick: ok"
