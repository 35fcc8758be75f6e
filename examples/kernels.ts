/**
 * The kernel table (the quick-start demo before the TensorFlow.js fine-tune): a few BERT-shaped layers with random weights and gradients, scored by all four
 * criteria through the public API, on every instruction set this CPU runs. Prints the median time of one
 * hook call over all layers, the memory traffic it implies, and whether the scores equal a plain
 * JavaScript computation of the same float32 formula. Then prunes the same layers to 90% sparsity with
 * 4x1 blocks over a short simulated training run, printing the sparsity the schedule reaches at each step.
 *
 *   npm run bench:kernels   (after npm install; npm run demo is the TensorFlow.js fine-tune)
 */
import { getCriterion, Pruning, setSimd, simdInfo, type Modules } from '../lib';
import { scoringHook } from '../lib/bench/calls';
import { filled, median } from '../lib/bench/timing';

const LAYERS: Array<[string, number, number]> = [
  ['encoder.0.attention.query', 768, 768],
  ['encoder.0.attention.output', 768, 768],
  ['encoder.0.intermediate', 3072, 768],
  ['encoder.0.output', 768, 3072],
];
const CRITERIA = ['magnitude', 'gradient', 'snip', 'snip_momentum'] as const;
const REPEATS = 15;

function makeModules(): Modules {
  const modules: Modules = {};
  let seed = 2026;
  for (const [name, out, inp] of LAYERS)
    modules[name] = {
      weight: filled(out * inp, seed++, 0.04),
      grad: filled(out * inp, seed++, 5e-4),
      shape: [out, inp],
    };
  return modules;
}

/** The same formula in plain JavaScript, for the check column. */
function expected(type: string, w: number, g: number, previous: number): number {
  if (type === 'magnitude') return Math.abs(w);
  if (type === 'gradient') return Math.abs(g);
  const t = Math.abs(Math.fround(w * g));
  return type === 'snip' ? t : Math.fround(Math.fround(previous * Math.fround(0.9)) + t);
}

function main(): void {
  const modules = makeModules();
  const elements = Object.values(modules).reduce((n, m) => n + m.weight.length, 0);
  const info = simdInfo();
  console.log(`prunekit demo: ${LAYERS.length} layers, ${elements.toLocaleString('en-US')} weights`);
  console.log(`instruction sets: active ${info.active}, supported ${info.supported.join(', ')}\n`);

  // bytes moved per element: magnitude/gradient read 4 and write 4; snip reads 8, writes 4;
  // snip_momentum reads 12, writes 4 ("skip" mode also reads the inputs once to look for NaN/Inf).
  const bytes: Record<string, number> = { magnitude: 8, gradient: 8, snip: 12, snip_momentum: 16 };
  const rows: string[][] = [['criterion', 'isa', 'ms/step', 'GB/s', 'same as JS']];
  for (const level of [...info.supported].reverse()) {
    setSimd(level);
    for (const type of CRITERIA) {
      const criterion = getCriterion({ criterion_type: type }, modules);
      const hook = scoringHook(criterion, type);
      const times: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const t0 = process.hrtime.bigint();
        hook();
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      // Check one more step against plain JavaScript (snip_momentum: from the scores it had before).
      const before = Object.fromEntries(Object.entries(criterion.scores).map(([k, v]) => [k, v.slice()]));
      hook();
      const same = Object.entries(modules).every(([name, { weight, grad }]) =>
        criterion.scores[name].every((s, i) => Object.is(s, expected(type, weight[i], grad![i], before[name][i]))),
      );
      const ms = median(times);
      rows.push([type, level, ms.toFixed(3), ((elements * bytes[type]) / (ms * 1e6)).toFixed(1), same ? 'yes' : 'NO']);
    }
  }
  setSimd(info.active);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows)
    console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log(`\nmedian of ${REPEATS} hook calls each; on_non_finite "skip" (default). npm run bench measures more.`);
  if (rows.some((r) => r[4] === 'NO')) process.exitCode = 1;
  pruneDemo(modules);
}

/** A short training run through the Pruning hooks: snip_momentum scores, 4x1 blocks, exp schedule to 90%. */
function pruneDemo(modules: Modules): void {
  const config = {
    target_sparsity: 0.9,
    pattern: '4x1',
    pruning_type: 'snip_momentum',
    start_step: 0,
    end_step: 8,
    pruning_frequency: 2,
  };
  console.log(`\npruning: ${JSON.stringify(config)}`);
  const pruning = new Pruning(config, modules);
  pruning.onTrainBegin();
  const rows: string[][] = [['step', 'sparsity', 'block sparsity', 'ms (masks + apply)']];
  for (let step = 0; step <= 9; step++) {
    const t0 = process.hrtime.bigint();
    pruning.onStepBegin();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    pruning.onBeforeOptimizerStep();
    for (const { weight, grad } of Object.values(modules))
      for (let i = 0; i < weight.length; i++) weight[i] -= 0.01 * grad![i]; // plain SGD with the demo's fixed grads
    pruning.onAfterOptimizerStep();
    pruning.onStepEnd();
    const report = pruning.sparsity();
    rows.push([String(step), report.elementSparsity.toFixed(4), report.blockSparsity.toFixed(4), ms.toFixed(2)]);
  }
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(rows[0][c].length)).join('  '));
  const zeros = Object.entries(pruning.masks).every(([name, keep]) =>
    keep.every((k, i) => k || modules[name].weight[i] === 0),
  );
  console.log(`pruned weights all zero after the last optimizer step: ${zeros ? 'yes' : 'NO'}`);
  if (!zeros) process.exitCode = 1;
}

main();
