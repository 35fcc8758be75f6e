#!/usr/bin/env bash
# CI (checkpoints): prune a small sharded BF16 checkpoint (3 shards, ~3 MB) with the CLI and check the
# output with an independent reader (scripts/ci/check_sharded.py: struct + json), for 2:4 and for 4x1 at
# 0.9 global through the histogram rounds that re-read the model (PRUNEKIT_SCORE_BUDGET=0); then a
# truncated shard must fail with exit 1 and leave nothing behind. Under a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq python3 >/dev/null; }
[ -f dist/lib/cli/main.js ] || { npm install --no-audit --no-fund; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cli=(node dist/lib/cli/main.js)

python3 scripts/ci/check_sharded.py make "$work/in"
"${cli[@]}" info "$work/in" >/dev/null
"${cli[@]}" prune "$work/in" -o "$work/out-24" --sparsity 0.5 --pattern 2:4 >/dev/null
python3 scripts/ci/check_sharded.py check "$work/in" "$work/out-24" 2:4
PRUNEKIT_SCORE_BUDGET=0 "${cli[@]}" prune "$work/in/model.safetensors.index.json" -o "$work/out-4x1" --sparsity 0.9 --pattern 4x1 >/dev/null
python3 scripts/ci/check_sharded.py check "$work/in" "$work/out-4x1" 4x1

shard="$work/in/model-00002-of-00003.safetensors"
truncate -s -100 "$shard"
if "${cli[@]}" prune "$work/in" -o "$work/out-bad" --sparsity 0.5 2>"$work/err"; then
  echo "checkpoints: a truncated shard was accepted"; exit 1
fi
grep -q 'model-00002-of-00003.safetensors: tensor "layers.1.' "$work/err" || { echo "checkpoints: unclear error: $(cat "$work/err")"; exit 1; }
[ ! -e "$work/out-bad" ] && ! ls "$work" | grep -q tmp- || { echo "checkpoints: partial output left"; exit 1; }
echo "checkpoints: OK"
