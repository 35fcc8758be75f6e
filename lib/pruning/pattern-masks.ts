/**
 * Masks for one pruner's pattern at one step's ratio (the Pruning driver and pruneOneShot), by INC's loop
 * (step-select.ts) over the pattern's units:
 *   - NxM: the blocks of each layer's 2-D view, scored by the reduced block score;
 *   - N:M: groups of M consecutive input-axis weights. Each group's candidates are its N smallest scores
 *     (`<= kthvalue(N)` of the group in reference mode, the N first by (score, index) in exact mode); a
 *     group's unit score is the reduction over all M of the scores with the kept weights zeroed (INC's
 *     `score * ~least_N_mask`: `mean` divides by M), and the ratio, caps and target are scaled by M/N. A
 *     chosen group prunes its candidates, the others stay dense.
 * Unit counts (zero blocks, sparse groups) are what INC's stop gate and `adjust_ratio` read.
 */
import { binding } from '../native';
import {
  resolveBlockSize,
  viewIndexMap,
  viewOf,
  type PruningPattern,
  type ReduceType,
  type WeightLayout,
} from './patterns';
import { selectStep, type UnitCut } from './step-select';

export interface PatternMaskOptions {
  pattern: PruningPattern;
  ratio: number;
  reduce: ReduceType;
  scope: 'global' | 'local';
  tie_mode: 'exact' | 'threshold';
  max_sparsity_ratio_per_op: number;
  min_sparsity_ratio_per_op: number;
  /** The pruner's final target (`adjust_ratio` compares against it); default `ratio`. */
  target_sparsity?: number;
  /**
   * Zero units of the masks in `into` (a previous result's `zeroUnits`), so they need not be counted again;
   * default: counted from `into` (all ones when `into` is not given).
   */
  previousZeroUnits?: Readonly<Record<string, number>>;
}

export interface PatternMaskLayer {
  readonly name: string;
  readonly shape: readonly number[];
  /** The buffer's layout (default by rank). */
  readonly layout?: WeightLayout;
  readonly scores: Float32Array;
}

export interface PatternMasks {
  /** Keep masks (1 kept, 0 pruned, weight layout). */
  masks: Record<string, Uint8Array>;
  /** Weights pruned per layer. */
  pruned: Record<string, number>;
  /** Zero units (blocks; N:M: sparse groups) and units per layer, after the step. */
  zeroUnits: Record<string, number>;
  units: Record<string, number>;
  /** True when k <= 0: the masks handed in (`into`) were left as they were. */
  unchanged: boolean;
}

/** One layer's units: view geometry, element scores in view order, unit scores, N:M candidates. */
interface LayerUnits {
  name: string;
  rows: number;
  cols: number;
  permuted: boolean;
  shape: readonly number[];
  layout: WeightLayout;
  /** The caller's element scores (the key of the scratch buffers). */
  scores: Float32Array;
  bn: number;
  bm: number;
  units: Float32Array;
  /** N:M: the candidates' keep mask (view order). */
  candidates: Uint8Array | null;
  /** N:M: the candidates' zeros (maskNM's count). */
  candidateZeros: number;
}

/**
 * Per score array (a criterion keeps the same arrays for its life): the block-score and unit-mask buffers
 * of its layer, so a step allocates nothing the size of the model.
 */
interface Scratch {
  units: Float32Array;
  unitKeep: Uint8Array;
  /** N:M candidates, one byte per weight (allocated on first use). */
  readonly candidates: Uint8Array;
}
const scratch = new WeakMap<Float32Array, Scratch>();

function scratchOf(scores: Float32Array, units: number): Scratch {
  let s = scratch.get(scores);
  if (s === undefined || s.units.length !== units) {
    let candidates: Uint8Array | null = null;
    s = {
      units: new Float32Array(units),
      unitKeep: new Uint8Array(units),
      get candidates() {
        return (candidates ??= new Uint8Array(scores.length));
      },
    };
    scratch.set(scores, s);
  }
  return s;
}

function layerUnits(
  layer: PatternMaskLayer,
  pattern: PruningPattern,
  reduce: ReduceType,
  exact: boolean,
  allGroups = false,
): LayerUnits {
  const view = viewOf(layer.shape, layer.layout);
  if (!view.ok) throw new Error(`internal: layer "${layer.name}" has no 2-D view: ${view.reason}`);
  const { rows, cols, permuted, layout } = view.view;
  let s = layer.scores;
  if (permuted) {
    const map = viewIndexMap(layer.shape, layout);
    s = new Float32Array(map.length);
    for (let v = 0; v < map.length; v++) s[v] = layer.scores[map[v]];
  }
  if (pattern.kind === 'block') {
    const [bn, bm] = resolveBlockSize(pattern, rows, cols);
    let units = s;
    if (bn * bm !== 1) {
      units = scratchOf(layer.scores, (rows / bn) * (cols / bm)).units;
      binding.maskReduceBlocks(s, rows, cols, bn, bm, reduce, units);
    }
    return {
      name: layer.name,
      rows,
      cols,
      permuted,
      shape: layer.shape,
      layout,
      scores: layer.scores,
      bn,
      bm,
      units,
      candidates: null,
      candidateZeros: 0,
    };
  }
  const { n, m } = pattern;
  const candidates = scratchOf(layer.scores, s.length / m).candidates;
  const candidateZeros = binding.maskNM(s, n, m, exact ? 'exact' : 'threshold', candidates);
  const units = scratchOf(layer.scores, s.length / m).units;
  const result: LayerUnits = {
    name: layer.name,
    rows,
    cols,
    permuted,
    shape: layer.shape,
    layout,
    scores: layer.scores,
    bn: 1,
    bm: m,
    units,
    candidates,
    candidateZeros,
  };
  if (allGroups) return result; // every group is pruned: the group scores are never read
  const f = Math.fround;
  // The kept weights' scores count as zero (INC multiplies them by 0); adding +0 leaves a float32 sum as is.
  if (reduce === 'max') {
    for (let g = 0, j = 0; g < units.length; g++) {
      let acc = 0;
      for (const end = j + m; j < end; j++) {
        const x = candidates[j] ? 0 : s[j];
        if (x > acc || x !== x) acc = x;
      }
      units[g] = acc;
    }
  } else {
    for (let g = 0, j = 0; g < units.length; g++) {
      let acc = 0;
      for (const end = j + m; j < end; j++) if (!candidates[j]) acc = f(acc + s[j]);
      units[g] = reduce === 'mean' ? f(acc / m) : acc;
    }
  }
  return result;
}

/** Zero units of a keep mask in view order: blocks all zero (NxM), groups with at least N zeros (N:M). */
function zeroUnitsOf(keep: Uint8Array, l: LayerUnits, pattern: PruningPattern): number {
  let zeros = 0;
  if (pattern.kind === 'n:m') {
    for (let g = 0; g < keep.length / pattern.m; g++) {
      let z = 0;
      for (let j = g * pattern.m; j < (g + 1) * pattern.m; j++) z += keep[j] ? 0 : 1;
      if (z >= pattern.n) zeros++;
    }
    return zeros;
  }
  const { rows, cols, bn, bm } = l;
  for (let br = 0; br < rows; br += bn)
    for (let bc = 0; bc < cols; bc += bm) {
      let any = 0;
      for (let r = br; r < br + bn && !any; r++) for (let c = bc; c < bc + bm; c++) any |= keep[r * cols + c];
      if (!any) zeros++;
    }
  return zeros;
}

function toView(mask: Uint8Array, l: LayerUnits): Uint8Array {
  if (!l.permuted) return mask;
  const map = viewIndexMap(l.shape, l.layout);
  const out = new Uint8Array(map.length);
  for (let v = 0; v < map.length; v++) out[v] = mask[map[v]];
  return out;
}

/** Writes one layer's keep mask (weight layout) for a cut of its units; returns the weights pruned. */
function emit(l: LayerUnits, cut: UnitCut, out: Uint8Array): number {
  const viewKeep = l.permuted ? new Uint8Array(out.length) : out;
  let pruned = cut.pruned * l.bn * l.bm;
  if (l.candidates === null) {
    const unitKeep = l.bn * l.bm === 1 ? viewKeep : scratchOf(l.scores, l.units.length).unitKeep;
    if (cut.key === null) unitKeep.fill(1);
    else binding.selectEmit(l.units, cut.key, cut.quota, unitKeep);
    if (unitKeep !== viewKeep) binding.maskExpandBlocks(unitKeep, l.rows, l.cols, l.bn, l.bm, viewKeep);
  } else if (cut.key === null) {
    viewKeep.fill(1);
    pruned = 0;
  } else if (cut.pruned === l.units.length) {
    viewKeep.set(l.candidates); // every group chosen: the candidates are the mask
    pruned = l.candidateZeros;
  } else {
    // A chosen group keeps what its candidates keep; the others stay dense.
    const unitKeep = scratchOf(l.scores, l.units.length).unitKeep;
    binding.selectEmit(l.units, cut.key, cut.quota, unitKeep);
    binding.maskExpandBlocks(unitKeep, l.rows, l.cols, 1, l.bm, viewKeep);
    const c = l.candidates;
    pruned = 0;
    for (let i = 0; i < viewKeep.length; i++) {
      const k = viewKeep[i] | c[i];
      viewKeep[i] = k;
      pruned += k ^ 1;
    }
  }
  if (l.permuted) {
    const map = viewIndexMap(l.shape, l.layout);
    for (let v = 0; v < map.length; v++) out[map[v]] = viewKeep[v];
  }
  return pruned;
}

function countZeros(mask: Uint8Array): number {
  let zeros = 0;
  for (let i = 0; i < mask.length; i++) zeros += mask[i] ^ 1;
  return zeros;
}

/**
 * Keep masks for `layers`, which the pattern must divide. `into` (same names and sizes) holds the current
 * masks: they are what INC's `adjust_ratio` reads for layers not yet proposed, are left as they are when
 * the step's count is 0, and receive the new masks.
 */
export function patternMasks(
  layers: readonly PatternMaskLayer[],
  options: PatternMaskOptions,
  into?: Record<string, Uint8Array>,
): PatternMasks {
  const { pattern } = options;
  const exact = options.tie_mode === 'exact';
  const scale = pattern.kind === 'n:m' ? (r: number) => (r * pattern.m) / pattern.n : (r: number) => r;
  const unitOptions = {
    exact,
    ratio: scale(options.ratio),
    maxRatio: scale(options.max_sparsity_ratio_per_op),
    minRatio: scale(options.min_sparsity_ratio_per_op),
    targetRatio: scale(options.target_sparsity ?? options.ratio),
  };
  // N:M at its full ratio N/M (scaled: 1) with no cap or target below it: every group is chosen (its
  // score is finite: candidates are never NaN), so the group scores need not be computed.
  const allGroups =
    pattern.kind === 'n:m' && unitOptions.ratio >= 1 && unitOptions.maxRatio >= 1 && unitOptions.targetRatio >= 1;
  const prepared = layers.map((l) => layerUnits(l, pattern, options.reduce, exact, allGroups));
  const current = layers.map((l) => into?.[l.name] ?? new Uint8Array(l.scores.length).fill(1));
  const known = options.previousZeroUnits;
  const previousZeros = prepared.map((l, j) =>
    known?.[l.name] !== undefined ? known[l.name] : into?.[l.name] ? zeroUnitsOf(toView(current[j], l), l, pattern) : 0,
  );

  const scopes = options.scope === 'global' ? [prepared.map((_, j) => j)] : prepared.map((_, j) => [j]);
  const cuts: (UnitCut | null)[] = prepared.map(() => null); // null: unchanged
  let unchanged = !allGroups;
  if (allGroups) prepared.forEach((l, j) => (cuts[j] = { key: 0xffffffff, quota: 0, pruned: l.units.length }));
  for (const scope of allGroups ? [] : scopes) {
    const selection = selectStep(
      scope.map((j) => prepared[j].units),
      scope.map((j) => previousZeros[j]),
      unitOptions,
    );
    if (selection.unchanged) continue;
    unchanged = false;
    scope.forEach((j, i) => (cuts[j] = selection.cuts[i]));
  }
  const record = <T>(): Record<string, T> => Object.create(null);
  const result: PatternMasks = { masks: record(), pruned: record(), zeroUnits: record(), units: record(), unchanged };
  prepared.forEach((l, j) => {
    const out = current[j];
    const cut = cuts[j];
    result.masks[l.name] = out;
    // Unchanged masks keep their counts; new ones: blocks pruned whole, N:M groups chosen.
    result.pruned[l.name] = cut === null ? countZeros(out) : emit(l, cut, out);
    result.zeroUnits[l.name] = cut === null ? previousZeros[j] : cut.pruned;
    result.units[l.name] = l.units.length;
  });
  return result;
}
