/**
 * Cost of a global mask selection per score: the native radix select (the rounds of a GlobalSelection:
 * histograms and threshold) and the native mask emission, against what a JavaScript user would write with
 * `Float32Array.prototype.sort` (copy every layer's scores into one array, sort, pick the k-th, emit the
 * masks), in the same run, over the same scores (magnitudes split over several layers). Returns rows and
 * prints nothing.
 */
import { computeMasks } from '../pruning/masks';
import { planLayer, type LayerPlan } from '../pruning/layer-plan';
import { runStep, type StepLayer, type StepSpec } from '../pruning/native-step';
import { parsePattern } from '../pruning/patterns';
import { GlobalSelection, type MaskLayer } from '../pruning/selection';
import { DEFAULTS } from '../pruning/options';
import { targetCount } from '../pruning/target';
import { setSimd, simdInfo, type SimdLevel } from '../simd';
import { setThreads, threads } from '../threads';
import { timeCall, randomFloats } from './timing';

export interface SelectionRow {
  /** Scores in all (split over `layers` layers). */
  scores: number;
  layers: number;
  isa: SimdLevel;
  threads: number;
  /** Native selection, the histogram rounds to the threshold (exact mode, pattern 1x1): ns per score. */
  selectNs: number;
  /** Native mask emission into reused buffers: ns per score. */
  emitNs: number;
  /** computeMasks end to end (selection and emission, reused buffers): ns per score. */
  totalNs: number;
  /** JS: copy into one array, sort, pick the k-th: ns per score. */
  jsSelectNs: number;
  /** JS: emit the masks from that threshold: ns per score. */
  jsEmitNs: number;
  /** jsSelectNs / selectNs. */
  selectSpeedup: number;
  /** (jsSelectNs + jsEmitNs) / totalNs. */
  totalSpeedup: number;
}

export const SELECTION_RATIO = 0.9;
const LAYERS = 8;

/** `n` magnitude-like scores over `layers` layers of shape [n / layers / 1024, 1024] (n a multiple of 8192). */
export function benchLayers(n: number, layers = LAYERS, seed = 1): MaskLayer[] {
  const next = randomFloats(seed);
  const per = n / layers;
  return Array.from({ length: layers }, (_, j) => {
    const scores = new Float32Array(per);
    // |x| of a peaked distribution: many close values, like the magnitudes of trained weights
    for (let i = 0; i < per; i++) scores[i] = Math.abs(next() * next() * 0.05);
    return { name: `layer${j}`, shape: [per / 1024, 1024], scores };
  });
}

/** The JavaScript baseline's selection: the k-th smallest score of all layers. */
export function jsThreshold(layers: readonly MaskLayer[], k: number): number {
  const total = layers.reduce((a, l) => a + l.scores.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const l of layers) {
    all.set(l.scores, offset);
    offset += l.scores.length;
  }
  all.sort();
  return all[k - 1];
}

/** The JavaScript baseline's emission: keep what is above the threshold. */
export function jsEmit(layers: readonly MaskLayer[], threshold: number, into: Record<string, Uint8Array>): void {
  for (const l of layers) {
    const s = l.scores;
    const keep = into[l.name];
    for (let i = 0; i < s.length; i++) keep[i] = s[i] > threshold ? 1 : 0;
  }
}

/**
 * Runs the grid: for each size, the JS baseline once, then the native path on every supported instruction
 * set with the whole thread pool, and on the active one with one thread.
 *
 * @param sizes numbers of scores (multiples of 8192), e.g. `[1 << 20, 1 << 24]`.
 * @param samples timed samples per figure (the median is reported).
 */
export function benchSelection(sizes: number[], samples: number): SelectionRow[] {
  const info = simdInfo();
  const pool = threads();
  const rows: SelectionRow[] = [];
  const options = { pattern: '1x1', ratio: SELECTION_RATIO };
  try {
    for (const n of sizes) {
      const layers = benchLayers(n);
      const into: Record<string, Uint8Array> = Object.fromEntries(
        layers.map((l) => [l.name, new Uint8Array(l.scores.length)]),
      );
      const k = targetCount(SELECTION_RATIO, n);
      let threshold = 0;
      const jsSelectNs = timeCall(() => (threshold = jsThreshold(layers, k)), samples) / n;
      const jsEmitNs = timeCall(() => jsEmit(layers, threshold, into), samples) / n;
      const runs: Array<[SimdLevel, number]> = [...info.supported].reverse().map((isa) => [isa, pool]);
      if (pool > 1) runs.push([info.active, 1]);
      for (const [isa, count] of runs) {
        setSimd(isa);
        setThreads(count);
        computeMasks(layers, options, into); // warm-up: JIT, first touch of the buffers
        let selection = new GlobalSelection(layers, options);
        const selectNs =
          timeCall(() => {
            selection = new GlobalSelection(layers, options);
            while (!selection.done) selection.advance(selection.histogram());
          }, samples) / n;
        const emitNs = timeCall(() => selection.masks(undefined, 0, into), samples) / n;
        const totalNs = timeCall(() => computeMasks(layers, options, into), samples) / n;
        rows.push({
          scores: n,
          layers: layers.length,
          isa,
          threads: count,
          selectNs,
          emitNs,
          totalNs,
          jsSelectNs,
          jsEmitNs,
          selectSpeedup: jsSelectNs / selectNs,
          totalSpeedup: (jsSelectNs + jsEmitNs) / totalNs,
        });
      }
    }
  } finally {
    setSimd(info.active);
    setThreads(pool);
  }
  return rows;
}

/** One pruning step over BERT-base shapes (one native call, layer plans built once, masks reused). */
export interface StepRow {
  pattern: string;
  ratio: number;
  weights: number;
  threads: number;
  /** What is timed: the mask update alone, or with the pruned weights zeroed (what the driver runs). */
  work: 'masks' | 'masks+apply';
  /** ms per step (median). */
  ms: number;
  /** ns per weight. */
  nsPerWeight: number;
}

/** The step's inputs: BERT-base's prunable shapes (layers of 768x768 x4, 3072x768, 768x3072), magnitudes. */
export function bertStepLayers(layers = 12): MaskLayer[] {
  const shapes: Array<[number, number]> = [
    [768, 768],
    [768, 768],
    [768, 768],
    [768, 768],
    [3072, 768],
    [768, 3072],
  ];
  const next = randomFloats(7);
  const out: MaskLayer[] = [];
  for (let l = 0; l < layers; l++)
    shapes.forEach(([o, i], j) => {
      const scores = new Float32Array(o * i);
      for (let e = 0; e < scores.length; e++) scores[e] = Math.abs(next() * next() * 0.05);
      out.push({ name: `layer${l}.${j}`, shape: [o, i], scores });
    });
  return out;
}

/**
 * Times one pruning step (what `onStepBegin` runs after scoring: `runStep`, one native call) for 4x1 global
 * at 0.9, 2:4 (at N/M and below it), exact mode, on one thread and on the pool; masks alone, and masks with the weights zeroed.
 */
export function benchStep(layers: number, samples: number): StepRow[] {
  const input = bertStepLayers(layers);
  const weights = input.reduce((a, l) => a + l.scores.length, 0);
  const pool = threads();
  const rows: StepRow[] = [];
  const cases: Array<[string, number]> = [
    ['4x1', 0.9],
    ['2:4', 0.5],
    ['2:4', 0.3], // below N/M: groups ranked by their scores (INC's ninm.py)
  ];
  try {
    for (const count of pool > 1 ? [1, pool] : [1]) {
      setThreads(count);
      for (const [name, ratio] of cases) {
        const pattern = parsePattern(name);
        const spec: StepSpec = {
          pattern,
          reduce: 'mean',
          exact: true,
          global: true,
          ratio,
          maxRatio: DEFAULTS.max_sparsity_ratio_per_op,
          minRatio: 0,
          targetRatio: ratio,
        };
        for (const work of ['masks', 'masks+apply'] as const) {
          const step: StepLayer[] = input.map((l) => ({
            plan: planLayer(l.name, l.shape, undefined, pattern).plan as LayerPlan,
            scores: l.scores,
            // the weights zeroed in place stay zero: later samples time the same work
            weight: work === 'masks' ? null : l.scores.slice(),
            keep: new Uint8Array(l.scores.length).fill(1),
          }));
          // warm-up; then, as the pruner does, each step hands back the unit counts of the previous one
          const first = runStep(step, spec);
          step.forEach((l, j) => (l.previousZeros = first.zeroUnits[j]));
          const ms = timeCall(() => runStep(step, spec), samples) / 1e6;
          rows.push({ pattern: name, ratio, weights, threads: count, work, ms, nsPerWeight: (ms * 1e6) / weights });
        }
      }
    }
  } finally {
    setThreads(pool);
  }
  return rows;
}
