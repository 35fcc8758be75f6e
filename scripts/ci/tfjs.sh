#!/usr/bin/env bash
# CI for prunekit/tfjs, after .ci/run's `npm run demo` and `npm test` (which runs test/tfjs: the adapter on
# cpu and wasm and the reduced demo): the pruned models the demo wrote are read by two other readers, the
# Python struct+json one (test/package/count_zeros.py) and `prunekit prune`, in PyTorch layout.
set -euo pipefail
cd "$(dirname "$0")/../.."
shopt -s nullglob
files=(examples/out/*.safetensors)
if [ ${#files[@]} -eq 0 ]; then
  npm run demo
  files=(examples/out/*.safetensors)
fi
command -v python3 >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq --no-install-recommends python3 >/dev/null; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
  python3 test/package/count_zeros.py "$f" > "$tmp/zeros.json"
  python3 - "$f" "$tmp/zeros.json" <<'PY'
import json, sys
z = json.load(open(sys.argv[2]))
shapes = {k: v[1] for k, v in z.items()}
assert shapes["fc1.weight"] == 300 * 784 and shapes["fc2.weight"] == 100 * 300, shapes
sparsity = z["fc1.weight"][0] / z["fc1.weight"][1]
assert sparsity >= 0.45, f"{sys.argv[1]}: fc1.weight only {sparsity:.3f} zeros"
print(f"{sys.argv[1]}: python reads fc1.weight [300, 784] with {100 * sparsity:.2f}% zeros")
PY
  # prunekit prune reads the export as a torch checkpoint: the [out, in] weights are prunable by 4x1.
  node dist/lib/cli/main.js prune "$f" -o "$tmp/again.safetensors" --sparsity 0.5 --pattern 4x1 --include '^fc[12]\.weight$' --json > "$tmp/prune.json"
  node -e "const r=require('$tmp/prune.json'); const n=(r.layers||r.tensors||[]).length; if(!(n>=2)) { console.error(JSON.stringify(r).slice(0,400)); process.exit(1); } console.log('prunekit prune read', '$f', '->', n, 'tensors pruned');"
done
echo "tfjs exports: ${#files[@]} files read by python and prunekit prune"
