/**
 * One pruning step's mask update in one native call (binding `pruneStep`, native/runtime/prune_step.h):
 * unit scores, INC's selection loop (global or per layer, exact or reference tie mode), masks, pruned
 * weights zeroed. `runStepAsync` runs the same call on a worker thread, off the event loop, and
 * `applyMasksAsync` zeroes the pruned weights of many layers there (the after-step hook's work).
 */
import { binding } from '../native';
import type { LayerPlan } from './layer-plan';
import type { PruningPattern, ReduceType } from './patterns';

/** What a step selects with, in the user's terms (ratios of weights; N:M ratios are scaled to units here). */
export interface StepSpec {
  pattern: PruningPattern;
  reduce: ReduceType;
  exact: boolean;
  global: boolean;
  ratio: number;
  maxRatio: number;
  minRatio: number;
  /** The pruner's final target (`adjust_ratio` compares against it). */
  targetRatio: number;
}

/** One layer of a step: its plan, this step's scores, the weight to zero (or null) and its mask. */
export interface StepLayer {
  plan: LayerPlan;
  /** Element scores in the weight's layout; null: `units` already holds the unit scores (block patterns). */
  scores: Float32Array | null;
  /** The unit scores the criterion keeps (snip_momentum's block momentum), with `scores` null. */
  units?: Float32Array;
  weight: Float32Array | null;
  /** The current mask, replaced in place by the new one. */
  keep: Uint8Array;
  /** Zero units of `keep` if known (a previous step's result), else counted. */
  previousZeros?: number;
}

export interface StepOutcome {
  /** True when the count was 0 in every scope: every mask was left as it was. */
  unchanged: boolean;
  /** Per layer, in order: zero units after the step, weights the mask prunes, whether the mask changed. */
  zeroUnits: number[];
  pruned: number[];
  changed: boolean[];
}

const REDUCE = { mean: 0, sum: 1, max: 2 } as const;

type Args = Parameters<typeof binding.pruneStep>;

function stepArgs(layers: readonly StepLayer[], spec: StepSpec): Args {
  const p = spec.pattern;
  // N:M selects groups: a ratio of weights is (M/N) times a ratio of groups.
  const scale = p.kind === 'n:m' ? p.m / p.n : 1;
  const arrays: Args[0][number][] = [];
  const geometry = new Float64Array(layers.length * 5);
  layers.forEach(({ plan, scores, units, weight, keep, previousZeros }, j) => {
    arrays.push(scores, weight, keep, plan.viewMap, units ?? plan.unitScores, plan.candidates);
    geometry.set([plan.rows, plan.cols, plan.bn, plan.bm, previousZeros ?? -1], j * 5);
  });
  const options = new Float64Array([
    p.kind === 'n:m' ? 1 : 0,
    p.kind === 'n:m' ? p.n : 0,
    p.kind === 'n:m' ? p.m : 0,
    REDUCE[spec.reduce],
    spec.exact ? 1 : 0,
    spec.global ? 1 : 0,
    spec.ratio * scale,
    spec.maxRatio * scale,
    spec.minRatio * scale,
    spec.targetRatio * scale,
  ]);
  return [arrays, geometry, options, new Float64Array(layers.length * 3)];
}

function outcome(unchanged: boolean, out: Float64Array, count: number): StepOutcome {
  const result: StepOutcome = { unchanged, zeroUnits: [], pruned: [], changed: [] };
  for (let j = 0; j < count; j++) {
    result.zeroUnits.push(out[j * 3]);
    result.pruned.push(out[j * 3 + 1]);
    result.changed.push(out[j * 3 + 2] === 1);
  }
  return result;
}

/** Runs one step on the calling thread. */
export function runStep(layers: readonly StepLayer[], spec: StepSpec): StepOutcome {
  const args = stepArgs(layers, spec);
  return outcome(binding.pruneStep(...args), args[3], layers.length);
}

/** Runs one step on a worker thread: the event loop stays free; no buffer of the step may be touched meanwhile. */
export async function runStepAsync(layers: readonly StepLayer[], spec: StepSpec): Promise<StepOutcome> {
  const args = stepArgs(layers, spec);
  return outcome(await binding.pruneStepAsync(...args), args[3], layers.length);
}

/** A weight to zero where its mask prunes (and its grad, when given). */
export interface MaskedWeight {
  weight: Float32Array;
  keep: Uint8Array;
  grad?: Float32Array | null;
}

/**
 * `applyMasks` over every layer in one native call on a worker thread (bit for bit the sync kernel): the event
 * loop stays free; no buffer of the call may be touched meanwhile.
 */
export function applyMasksAsync(layers: readonly MaskedWeight[]): Promise<void> {
  return binding.maskApplyAllAsync(layers.flatMap(({ weight, keep, grad }) => [weight, keep, grad ?? null]));
}
