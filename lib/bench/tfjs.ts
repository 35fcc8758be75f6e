/**
 * The TensorFlow.js column of the benchmark: a child node process times each criterion's formula on the
 * tfjs WebAssembly backend (SIMD; one thread, as in Node), the way a tfjs user writes it: tfjs has no
 * in-place ops, so each step makes new tensors and disposes of the old. Medians of `samples`. Skipped (null)
 * when @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are not installed (they are devDependencies).
 */
import { spawnSync } from 'node:child_process';
import type { CriterionName } from './js-baselines';

export interface TfjsRow {
  criterion: CriterionName;
  floats: number;
  /** Median ns per element of one step. */
  ns: number;
}

export interface TfjsReport {
  version: string;
  simd: boolean;
  rows: TfjsRow[];
}

const SCRIPT = String.raw`
const { tfjs, wasm, sizes, samples } = JSON.parse(process.argv[1]);
const tf = require(tfjs);
require(wasm);
function medianNs(fn) {
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= 2 || reps >= 1 << 20) break;
    reps = Math.min(1 << 20, Math.max(reps * 2, Math.ceil((reps * 2) / Math.max(ms, 1e-3))));
  }
  const times = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return times.length % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
}
(async () => {
  await tf.setBackend('wasm');
  const rows = [];
  for (const n of sizes) {
    const w = tf.randomUniform([n], -1, 1, 'float32', 1);
    const g = tf.randomUniform([n], -1e-3, 1e-3, 'float32', 2);
    let s = tf.zeros([n]);
    const ops = {
      magnitude: () => tf.abs(w).dispose(),
      gradient: () => tf.abs(g).dispose(),
      snip: () => tf.tidy(() => tf.abs(tf.mul(w, g))).dispose(),
      snip_momentum: () => {
        const next = tf.tidy(() => tf.add(tf.mul(s, 0.9), tf.mul(tf.abs(tf.mul(w, g)), 1)));
        s.dispose();
        s = next;
      },
    };
    for (const [criterion, fn] of Object.entries(ops)) rows.push({ criterion, floats: n, ns: medianNs(fn) / n });
    tf.dispose([w, g, s]);
  }
  const version = require(tfjs.replace(/dist[\\/].*$/, 'package.json')).version;
  process.stdout.write(JSON.stringify({ version, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), rows }));
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
`;

/** Times tfjs-wasm at `sizes`; null when tfjs is not installed or the run fails. */
export function benchTfjs(sizes: number[], samples: number): TfjsReport | null {
  let tfjs: string, wasm: string;
  try {
    tfjs = require.resolve('@tensorflow/tfjs');
    wasm = require.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    return null;
  }
  const run = spawnSync(process.execPath, ['-e', SCRIPT, JSON.stringify({ tfjs, wasm, sizes, samples })], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 30 * 60_000,
  });
  if (run.status !== 0) return null;
  return JSON.parse(run.stdout) as TfjsReport;
}

/** The row of `report` for a criterion and size, if measured. */
export function tfjsNs(report: TfjsReport | null, criterion: CriterionName, floats: number): number | null {
  return report?.rows.find((r) => r.criterion === criterion && r.floats === floats)?.ns ?? null;
}
