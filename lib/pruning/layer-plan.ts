/**
 * The plan of one prunable layer, built once (at a pruner's construction, or once per one-shot call) for a
 * pattern: the 2-D view, the unit (block or N:M group), the view-order index map of a permuted layout, and
 * the scratch a step reuses (unit scores, N:M candidates). A step only feeds new scores to it.
 */
import { layoutOf, moduleSkipReason, resolveBlockSize, viewIndexMap, viewOf } from './patterns';
import type { PruningPattern, WeightLayout } from './patterns';

export interface LayerPlan {
  readonly name: string;
  /** Weights (rows * cols). */
  readonly size: number;
  /** The 2-D view the pattern reads. */
  readonly rows: number;
  readonly cols: number;
  /** The unit: a bn x bm block; N:M: 1 x m. */
  readonly bn: number;
  readonly bm: number;
  /** Units (rows/bn * cols/bm). */
  readonly units: number;
  /** view index -> weight index, for a permuted layout (null: the weight is in view order). */
  readonly viewMap: Uint32Array | null;
  /** Unit scores, rewritten every step (null: an unpermuted 1x1 layer selects on its scores directly; N:M without scratch). */
  readonly unitScores: Float32Array | null;
  /** N:M: each group's candidates (keep mask, view order), rewritten every step. */
  readonly candidates: Uint8Array | null;
}

/**
 * The plan, or why the layer cannot be pruned with the pattern (not 2-D/4-D, not divided by the unit).
 * `nmScratch: false` leaves out an N:M pattern's candidate and group-score buffers (for a selection that
 * emits N:M masks directly).
 */
export function planLayer(
  name: string,
  shape: readonly number[] | undefined,
  layout: WeightLayout | undefined,
  pattern: PruningPattern,
  { nmScratch = true }: { nmScratch?: boolean } = {},
): { plan: LayerPlan; skip: null } | { plan: null; skip: string } {
  const resolved = shape === undefined ? undefined : layoutOf(name, { shape: shape as number[], layout });
  const skip = moduleSkipReason(pattern, name, shape, resolved);
  if (skip !== null) return { plan: null, skip };
  const view = viewOf(shape as number[], resolved);
  if (!view.ok) throw new Error(`internal: layer "${name}" has no 2-D view: ${view.reason}`);
  const { rows, cols, permuted } = view.view;
  const [bn, bm] = pattern.kind === 'block' ? resolveBlockSize(pattern, rows, cols) : [1, pattern.m];
  const units = (rows / bn) * (cols / bm);
  const size = rows * cols;
  // An unpermuted 1x1 layer selects on its scores directly.
  const ownUnitScores = pattern.kind === 'block' ? bn * bm !== 1 || permuted : nmScratch;
  return {
    skip: null,
    plan: {
      name,
      size,
      rows,
      cols,
      bn,
      bm,
      units,
      viewMap: permuted ? viewIndexMap(shape as number[], view.view.layout) : null,
      unitScores: ownUnitScores ? new Float32Array(units) : null,
      candidates: pattern.kind === 'n:m' && nmScratch ? new Uint8Array(size) : null,
    },
  };
}
