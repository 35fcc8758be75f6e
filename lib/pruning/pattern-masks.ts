/**
 * Masks for one pruner's pattern at one step's ratio, by INC's loop over the pattern's units (one native
 * call: native-step.ts; the loop is written out in native/runtime/prune_step.h):
 *   - NxM: the blocks of each layer's 2-D view, scored by the reduced block score;
 *   - N:M: groups of M consecutive input-axis weights. Each group's candidates are its N smallest scores
 *     (`<= kthvalue(N)` of the group in reference mode, the N first by (score, index) in exact mode); a
 *     group's unit score is the reduction over all M of the scores with the kept weights zeroed (INC's
 *     `score * ~least_N_mask`: `mean` divides by M), and the ratio, caps and target are scaled by M/N. A
 *     chosen group prunes its candidates, the others stay dense.
 * Unit counts (zero blocks, sparse groups) are what INC's stop gate and `adjust_ratio` read.
 * `patternMasks` plans its layers (layer-plan.ts) and runs the step; a caller that has planned them already
 * (pruneOneShot, which learns each module's skip reason from its plan) calls `plannedMasks`. For repeated
 * steps over the same layers, plan them once and call runStep directly (the Pruning driver).
 */
import { planLayer, type LayerPlan } from './layer-plan';
import { runStep } from './native-step';
import type { Scope, TieMode } from './options';
import type { PruningPattern, ReduceType, WeightLayout } from './patterns';

export interface PatternMaskOptions {
  pattern: PruningPattern;
  ratio: number;
  reduce: ReduceType;
  scope: Scope;
  tie_mode: TieMode;
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
  return plannedMasks(
    layers.map((l) => {
      const { plan, skip } = planLayer(l.name, l.shape, l.layout, options.pattern);
      if (plan === null) throw new Error(`internal: layer "${l.name}" cannot be pruned: ${skip}`);
      return { plan, scores: l.scores };
    }),
    options,
    into,
  );
}

/** {@link patternMasks} over layers planned for `options.pattern` already. */
export function plannedMasks(
  layers: readonly { plan: LayerPlan; scores: Float32Array }[],
  options: PatternMaskOptions,
  into?: Record<string, Uint8Array>,
): PatternMasks {
  const keeps = layers.map(({ plan }) => into?.[plan.name] ?? new Uint8Array(plan.size).fill(1));
  const known = options.previousZeroUnits;
  const step = runStep(
    layers.map(({ plan, scores }, j) => ({
      plan,
      scores,
      weight: null,
      keep: keeps[j],
      previousZeros: known?.[plan.name] ?? (into?.[plan.name] ? undefined : 0),
    })),
    {
      pattern: options.pattern,
      reduce: options.reduce,
      exact: options.tie_mode === 'exact',
      global: options.scope === 'global',
      ratio: options.ratio,
      maxRatio: options.max_sparsity_ratio_per_op,
      minRatio: options.min_sparsity_ratio_per_op,
      targetRatio: options.target_sparsity ?? options.ratio,
    },
  );
  const record = <T>(): Record<string, T> => Object.create(null);
  const result: PatternMasks = {
    masks: record(),
    pruned: record(),
    zeroUnits: record(),
    units: record(),
    unchanged: step.unchanged,
  };
  layers.forEach(({ plan }, j) => {
    result.masks[plan.name] = keeps[j];
    result.pruned[plan.name] = step.pruned[j];
    result.zeroUnits[plan.name] = step.zeroUnits[j];
    result.units[plan.name] = plan.units;
  });
  return result;
}
