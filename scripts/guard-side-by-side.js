#!/usr/bin/env node
// The "skip" guard's designs through the binding, side by side in one process (docs/performance.md, "The
// guard"): scoreAbs / scoreAbsMul "guarded" on a scorePages array (one pass and a page move, where the size
// allows it) and on an ordinary array (two passes for |w|, the copy for |w*g|), and "compute" (no guard),
// interleaved, medians of 11, ns per element.
//   flock /tmp/prunekit-bench.lock node scripts/guard-side-by-side.js [threads] [path/to/prunekit.node]
'use strict';
const path = require('node:path');
const b = require(process.argv[3] || path.join(__dirname, '../build/Release/prunekit.node'));
b.setThreads(Number(process.argv[2]) || 1);
const sizes = [1 << 19, 1 << 20, 3 << 19, 1 << 21, 3 << 20, 1 << 22, 1 << 23];
for (const n of sizes) {
  const w = Float32Array.from({ length: n }, (_, i) => (i % 1000) - 500);
  const g = Float32Array.from({ length: n }, (_, i) => (i % 77) * 1e-3);
  const pages = b.scorePages(n);
  const paged = pages && new Float32Array(pages);
  const plain = new Float32Array(n);
  const reps = Math.max(3, Math.round(2 ** 26 / n));
  const time = (call) => {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) call();
    return Number(process.hrtime.bigint() - t0) / reps / n;
  };
  const runs = {
    '|w| move': paged && (() => b.scoreAbs(w, paged, 'guarded')),
    '|w| two passes': () => b.scoreAbs(w, plain, 'guarded'),
    '|w| propagate': () => b.scoreAbs(w, plain, 'compute'),
    '|w*g| move': paged && (() => b.scoreAbsMul(w, g, paged, 'guarded')),
    '|w*g| copy': () => b.scoreAbsMul(w, g, plain, 'guarded'),
    '|w*g| propagate': () => b.scoreAbsMul(w, g, plain, 'compute'),
  };
  const samples = {};
  for (let k = 0; k < 11; k++)
    for (const [name, call] of Object.entries(runs)) if (call) (samples[name] ??= []).push(time(call));
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(3);
  const row = Object.entries(samples).map(([name, a]) => `${name} ${median(a)}`);
  console.log(`${String(n).padStart(8)}  ${row.join('  ')}${paged ? '' : '  (below the mapped size: no move)'}`);
}
