// One pruning step (binding pruneStep) of several prunekit.node files side by side over BERT-base shapes
// (the inputs of `npm run bench`'s step: bertStepLayers of lib/bench/selection.ts, taken from dist/, so run
// `npm run build` first), interleaved sample by sample, medians; the masks and zeroed weights of every binary
// must be equal byte for byte or it throws. Exact mode, global, max ratio 0.98. The binaries compared are
// the .node files given (e.g. a copy of build/Release/prunekit.node before a change, and after it); dist/
// only provides the inputs.
//   node scripts/step-side-by-side.js SAMPLES a.node b.node ...
//   env: CASES=4x1@0.9,2:4@0.3+apply (default: all six), THREADS (default 1), LAYERS (default 12)
'use strict';
const path = require('node:path');
const { Buffer } = require('node:buffer');
const { bertStepLayers } = require('../dist/lib/bench/selection.js');

const samples = Number(process.argv[2]);
const files = process.argv.slice(3);
const bins = files.map((file) => {
  const mod = { exports: {} };
  process.dlopen(mod, path.resolve(file));
  return mod.exports;
});
bins.forEach((b) => b.setThreads(Number(process.env.THREADS) || 1));
const only = process.env.CASES ? process.env.CASES.split(',') : null;

const layers = bertStepLayers(Number(process.env.LAYERS) || 12).map(({ shape: [rows, cols], scores }) => ({
  rows,
  cols,
  scores,
}));
const weights = layers.reduce((a, l) => a + l.scores.length, 0);

// One binary's step: its own masks (and weights), the args of `pruneStep`.
function setup(pattern, ratio, apply) {
  const nm = pattern === '2:4';
  const state = layers.map((l) => ({
    l,
    keep: new Uint8Array(l.scores.length).fill(1),
    weight: apply ? l.scores.slice() : null,
    units: new Float32Array(l.scores.length / 4),
    candidates: nm ? new Uint8Array(l.scores.length) : null,
    previous: -1,
  }));
  const scale = nm ? 2 : 1;
  const options = new Float64Array([
    nm ? 1 : 0,
    nm ? 2 : 0,
    nm ? 4 : 0,
    0,
    1,
    1,
    ratio * scale,
    0.98 * scale,
    0,
    ratio * scale,
  ]);
  const args = () => {
    const arrays = [];
    const geometry = new Float64Array(state.length * 5);
    state.forEach((x, j) => {
      arrays.push(x.l.scores, x.weight, x.keep, null, x.units, x.candidates);
      geometry.set([x.l.rows, x.l.cols, nm ? 1 : 4, nm ? 4 : 1, x.previous], j * 5);
    });
    return [arrays, geometry, options, new Float64Array(state.length * 3)];
  };
  return { state, args };
}

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const [pattern, ratio, apply] of [
  ['4x1', 0.9, false],
  ['4x1', 0.9, true],
  ['2:4', 0.5, false],
  ['2:4', 0.5, true],
  ['2:4', 0.3, false],
  ['2:4', 0.3, true],
]) {
  const name = `${pattern}@${ratio}${apply ? '+apply' : ''}`;
  if (only && !only.includes(name)) continue;
  // warm-up; then, as the pruner does, each step hands back the unit counts of the previous one
  const runs = bins.map((b) => {
    const s = setup(pattern, ratio, apply);
    const first = s.args();
    b.pruneStep(...first);
    s.state.forEach((x, j) => (x.previous = first[3][j * 3]));
    return { state: s.state, args: s.args() };
  });
  for (let i = 1; i < runs.length; i++)
    runs[i].state.forEach((x, j) => {
      const y = runs[0].state[j];
      if (Buffer.compare(Buffer.from(x.keep.buffer), Buffer.from(y.keep.buffer)) !== 0)
        throw new Error(`${name}: ${files[i]} gives another mask for layer ${j}`);
      if (x.weight && Buffer.compare(Buffer.from(x.weight.buffer), Buffer.from(y.weight.buffer)) !== 0)
        throw new Error(`${name}: ${files[i]} zeroes other weights in layer ${j}`);
    });
  const times = bins.map(() => []);
  for (let s = 0; s < samples; s++)
    bins.forEach((b, i) => {
      const t = process.hrtime.bigint();
      b.pruneStep(...runs[i].args);
      times[i].push(Number(process.hrtime.bigint() - t) / 1e6);
    });
  const cells = times.map((t, i) => {
    const ms = median(t);
    return `${path.basename(files[i])} ${ms.toFixed(1)} ms ${((ms * 1e6) / weights).toFixed(2)} ns/w`;
  });
  const ratioText =
    bins.length > 1 ? `  first/last ${(median(times[0]) / median(times[bins.length - 1])).toFixed(2)}` : '';
  console.log(`${name.padEnd(14)} ${cells.join('   ')}${ratioText}`);
}
