/**
 * A layer ready for selection: its plan (layer-plan.ts: the 2-D view, the skip reason, the block, the
 * view-order index map) and this call's scores in view order, reduced to unit scores by the native
 * reduction (bit for bit patterns.ts `reduceBlocks`). A block of one element needs no reduction: its score
 * has the element's key.
 */
import { binding } from '../../native';
import { planLayer } from '../layer-plan';
import type { PruningPattern, ReduceType, WeightLayout } from '../patterns';
import type { MaskLayer } from './layer-input';

export interface PreparedLayer {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layout: WeightLayout | undefined;
  readonly size: number;
  /** The skip reason, or null for a prunable layer. */
  readonly skip: string | null;
  readonly rows: number;
  readonly cols: number;
  /** Block size in the 2-D view (1 x 1 for N:M, whose units are weights). */
  readonly blockRows: number;
  readonly blockCols: number;
  readonly permuted: boolean;
  /** The plan's view index -> weight index of a permuted layout (null: view order is the weight's). */
  readonly viewMap: Uint32Array | null;
  /** Element scores in 2-D view order (the caller's own array for a 2-D weight). */
  readonly viewScores: Float32Array;
  /** Unit scores: block scores, or `viewScores` when a unit is one element. */
  readonly units: Float32Array;
}

/** Each layer's plan and unit scores for `pattern` (input checked by validateLayers). */
export function prepareLayers(
  layers: readonly MaskLayer[],
  pattern: PruningPattern,
  reduce: ReduceType,
): PreparedLayer[] {
  return layers.map((layer) => {
    const { name, shape, layout, scores } = layer;
    const { plan, skip } = planLayer(name, shape, layout, pattern, { nmScratch: false });
    if (plan === null) {
      const empty = new Float32Array(0);
      const none = { rows: 0, cols: 0, blockRows: 1, blockCols: 1, permuted: false, viewMap: null };
      return { name, shape, layout, size: scores.length, skip, ...none, viewScores: empty, units: empty };
    }
    const { rows, cols, viewMap } = plan;
    const element = pattern.kind === 'n:m' || plan.bn * plan.bm === 1;
    let viewScores = scores;
    if (viewMap !== null) {
      // A permuted 1x1 layer's unit scores are its scores in view order: gather into the plan's buffer.
      viewScores = element && plan.unitScores !== null ? plan.unitScores : new Float32Array(plan.size);
      for (let v = 0; v < viewMap.length; v++) viewScores[v] = scores[viewMap[v]];
    }
    let units = viewScores;
    if (!element) {
      units = plan.unitScores as Float32Array;
      binding.maskReduceBlocks(viewScores, rows, cols, plan.bn, plan.bm, reduce, units);
    }
    const [blockRows, blockCols] = element ? [1, 1] : [plan.bn, plan.bm];
    return {
      name,
      shape,
      layout,
      size: plan.size,
      skip: null,
      rows,
      cols,
      blockRows,
      blockCols,
      permuted: viewMap !== null,
      viewMap,
      viewScores,
      units,
    };
  });
}
