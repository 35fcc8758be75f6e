/**
 * The quick-start demo: a few BERT-shaped layers with random weights and gradients, scored by all four
 * criteria through the public API, on every instruction set this CPU runs. Prints the median time of one
 * hook call over all layers, the memory traffic it implies, and whether the scores equal a plain
 * JavaScript computation of the same float32 formula.
 *
 *   npm run demo            (after npm install)
 */
import { getCriterion, setSimd, simdInfo, type Modules, type PruningCriterion } from '../lib';
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
    modules[name] = { weight: filled(out * inp, seed++, 0.04), grad: filled(out * inp, seed++, 5e-4), shape: [out, inp] };
  return modules;
}

function hookOf(criterion: PruningCriterion, type: string): () => void {
  return type === 'magnitude' ? () => criterion.onStepBegin() : () => criterion.onBeforeOptimizerStep();
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
      const hook = hookOf(criterion, type);
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
  for (const row of rows) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log(`\nmedian of ${REPEATS} hook calls each; on_non_finite "skip" (default). npm run bench measures more.`);
  if (rows.some((r) => r[4] === 'NO')) process.exitCode = 1;
}

main();
