/**
 * Masks for one pruner's pattern at one target ratio. NxM patterns go straight to the selection engine.
 * N:M patterns below their full sparsity N/M follow the reference: every group's N smallest scores are
 * the candidates, groups are ranked by the reduced score of the weights they would keep, and only the
 * lowest-ranked groups (ratio * M/N of them, under the same scope and caps scaled by M/N) become N:M-sparse.
 */
import { computeMasks, type MaskLayer } from './masks';
import { fromViewOrder, resolveBlockSize, toViewOrder, viewOf, type PruningPattern, type ReduceType } from './patterns';

export interface PatternMaskOptions {
  pattern: PruningPattern;
  ratio: number;
  reduce: ReduceType;
  scope: 'global' | 'local';
  tie_mode: 'exact' | 'threshold';
  max_sparsity_ratio_per_op: number;
  min_sparsity_ratio_per_op: number;
}

export interface PatternMasks {
  /** Keep masks (1 kept, 0 pruned, weight layout). */
  masks: Record<string, Uint8Array>;
  /** Weights the pattern removes per layer: pruned blocks times their size, or N per N:M-sparse group. */
  pruned: Record<string, number>;
}

/**
 * Keep masks for `layers`, which the pattern must divide; written into `into` (same names and sizes) when
 * given, so a pruning run reuses its mask buffers.
 */
export function patternMasks(layers: readonly MaskLayer[], options: PatternMaskOptions, into?: Record<string, Uint8Array>): PatternMasks {
  const { pattern } = options;
  const common = {
    reduce: options.reduce,
    scope: options.scope,
    tie_mode: options.tie_mode,
    max_sparsity_ratio_per_op: options.max_sparsity_ratio_per_op,
    min_sparsity_ratio_per_op: options.min_sparsity_ratio_per_op,
  };
  if (pattern.kind === 'block') {
    const result = computeMasks(layers, { ...common, pattern: pattern.name, ratio: options.ratio }, into);
    const pruned: Record<string, number> = {};
    for (const { name, shape } of layers) {
      const view = viewOf(shape);
      const [bn, bm] = view.ok ? resolveBlockSize(pattern, view.view.rows, view.view.cols) : [1, 1];
      pruned[name] = (result.prunedUnits[name] ?? 0) * bn * bm;
    }
    return { masks: result.masks, pruned };
  }

  const share = pattern.n / pattern.m;
  if (options.ratio >= share) {
    const result = computeMasks(layers, { ...common, pattern: pattern.name, ratio: 1 }, into);
    return { masks: result.masks, pruned: result.prunedUnits }; // N:M counts pruned weights
  }
  const full = computeMasks(layers, { ...common, pattern: pattern.name, ratio: 1 }).masks;
  // Rank the groups by the reduced score of the weights each would keep.
  const groupLayers: MaskLayer[] = layers.map(({ name, shape, scores }) => {
    const view = viewOf(shape);
    if (!view.ok) throw new Error(`internal: layer "${name}" has no 2-D view: ${view.reason}`);
    const { rows, cols } = view.view;
    const s = shape.length === 4 ? toViewOrder(scores, shape) : scores;
    const keep = shape.length === 4 ? toViewOrder(full[name], shape) : full[name];
    const groups = new Float32Array((rows * cols) / pattern.m);
    for (let g = 0; g < groups.length; g++) {
      let acc = options.reduce === 'max' ? -Infinity : 0;
      for (let j = g * pattern.m; j < (g + 1) * pattern.m; j++) {
        if (!keep[j]) continue;
        acc = options.reduce === 'max' ? Math.max(acc, s[j]) : Math.fround(acc + s[j]);
      }
      // The reference reduces all M scores with the N candidates zeroed: mean divides by M.
      groups[g] = options.reduce === 'mean' ? Math.fround(acc / pattern.m) : acc;
    }
    return { name, shape: [rows, cols / pattern.m], scores: groups };
  });
  const scale = (r: number) => Math.min(1, r / share);
  const chosen = computeMasks(groupLayers, {
    ...common,
    pattern: '1x1',
    ratio: scale(options.ratio),
    max_sparsity_ratio_per_op: scale(options.max_sparsity_ratio_per_op),
    min_sparsity_ratio_per_op: scale(options.min_sparsity_ratio_per_op),
  });
  const masks: Record<string, Uint8Array> = {};
  const pruned: Record<string, number> = {};
  for (const { name, shape } of layers) {
    const keep = shape.length === 4 ? toViewOrder(full[name], shape) : full[name];
    const groupKeep = chosen.masks[name];
    for (let g = 0; g < groupKeep.length; g++)
      if (groupKeep[g]) keep.fill(1, g * pattern.m, (g + 1) * pattern.m); // a group not chosen stays dense
    const out = shape.length === 4 ? fromViewOrder(keep, shape) : keep;
    masks[name] = into ? (into[name].set(out), into[name]) : out;
    pruned[name] = chosen.prunedUnits[name] * pattern.n;
  }
  return { masks, pruned };
}
