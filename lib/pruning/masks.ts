/**
 * One-shot keep masks for a set of layers, and applying a mask to a weight (SPEC.md section 2, "Patterns",
 * "Selection", "Scope").
 *
 * `computeMasks` gives the same masks, pruned counts and skip reasons as the reference rules written out in
 * test/support/reference-masks.ts (the sorting oracle), computed with the native kernels: block scores by
 * the native reduction (bit for bit patterns.ts `reduceBlocks`), an exact radix select over order-preserving
 * keys instead of a sort (lib/pruning/selection/), and masks written by native emission kernels. The only
 * allocations the size of a layer are the 2-D view copy of a 4-D weight's scores, block scores, and the
 * masks themselves, which a caller recomputing masks often can hand back through `into`.
 */
import { ArgumentError, ShapeError } from '../errors';
import { binding } from '../native';
import type { ReduceType } from './patterns';
import {
  buildMasks,
  prepareLayers,
  resolveOptions,
  selectAlone,
  unitBounds,
  unitSelector,
  validateInto,
  validateLayers,
  type MaskLayer,
  type MaskResult,
  type TieMode,
  type UnitDecision,
} from './selection';
import { isFloat32Array } from '../typed-arrays';

export type { MaskLayer, MaskResult, TieMode };

/** Options of {@link computeMasks} (config keys in the reference's snake_case). */
export interface MaskOptions {
  /** Pattern name: `"NxM"` (e.g. `"4x1"`, `"1x1"`), `"channelx1"`, `"1xchannel"`, `"N:M"` (e.g. `"2:4"`). */
  pattern: string;
  /** Sparsity ratio in [0, 1]: k = floor(ratio * units) (`targetCount`), per layer or over all layers. */
  ratio: number;
  /** Block reduction, `criterion_reduce_type`: `"mean"` (default), `"sum"`, `"max"`. */
  reduce?: ReduceType;
  /** `"global"` (default: one selection across the layers) or `"local"` (per layer). */
  scope?: 'local' | 'global';
  /** `"exact"` (default: exactly k, ties by index, NaN never) or `"threshold"` (the reference: `<= kthvalue(k)`). */
  tie_mode?: TieMode;
  /** Per-layer cap (default `PRUNING_DEFAULTS.max_sparsity_ratio_per_op`): a layer is frozen at it and the rest re-solved. */
  max_sparsity_ratio_per_op?: number;
  /** Per-layer floor (default 0), global scope only. */
  min_sparsity_ratio_per_op?: number;
}

/**
 * Keep masks for `layers` by the pattern, ratio, scope and tie rule of `options`.
 *
 * Units: `NxM` blocks of each layer's 2-D view (`[out, in]`; a conv `[cout, cin, kh, kw]` as
 * `[cout, kh*kw*cin]`), scored by the reduced block score; `N:M` prunes the N smallest of every group of M
 * input-axis weights (`ratio`, `scope`, `reduce` and the per-layer bounds do not apply to it). A layer the
 * block does not divide, or that is not 2-D / 4-D, is skipped: its mask is all ones and `skipped` says why.
 * Global scope breaks ties by the layers concatenated in the order of `layers`.
 *
 * @param layers the layers (unique names), scores in each weight's own layout.
 * @param options pattern, ratio, reduce, scope, tie mode, per-layer bounds.
 * @param into optional mask buffers to reuse, by layer name (e.g. the `masks` of an earlier result): a
 *   layer with a buffer here is written into it, the others get a new one.
 * @returns keep masks (1 kept, 0 pruned) in each weight's own layout, pruned units per prunable layer, and
 *   skip reasons.
 * @throws Error for an unknown pattern, reduce, scope or tie mode or a duplicate name; RangeError for a
 *   ratio outside [0, 1], a floor above the cap, a shape that does not match its scores; TypeError for
 *   scores that are not a Float32Array or a bad `into`. Nothing is written before every check has passed.
 * @example
 * const { masks } = computeMasks(
 *   [{ name: 'fc1', shape: [768, 3072], scores: criterion.scores.fc1 }],
 *   { pattern: '4x1', ratio: 0.8 },
 * );
 * applyMasks(weights.fc1, masks.fc1);
 */
export function computeMasks(
  layers: readonly MaskLayer[],
  options: MaskOptions,
  into?: Record<string, Uint8Array>,
): MaskResult {
  const resolved = resolveOptions(options, 'ratio');
  validateLayers(layers);
  validateInto(
    layers.map((l) => ({ name: l.name, size: l.scores.length })),
    into,
  );
  const { pattern, minRatio, maxRatio, tieMode } = resolved;
  const ratio = resolved.ratio as number;
  const prepared = prepareLayers(layers, pattern, resolved.reduce);
  let decisions: UnitDecision[] = [];
  if (pattern.kind !== 'n:m') {
    const units = prepared.filter((l) => l.skip === null).map((l) => l.units);
    if (resolved.scope === 'global') {
      decisions = selectAlone(unitSelector(units, tieMode, { ratio }, unitBounds(units, minRatio, maxRatio)));
    } else {
      // Local scope: each layer alone, under its cap (the floor is a global-scope bound).
      decisions = units.map((u) => selectAlone(unitSelector([u], tieMode, { ratio }, unitBounds([u], 0, maxRatio)))[0]);
    }
  }
  return buildMasks(prepared, pattern, tieMode === 'exact', decisions, into);
}

/**
 * Applies a keep mask in place: `weight[i] = 0` where `keep[i]` is 0 (and `grad[i]` too when a grad is
 * given), in one native pass. Pruned entries become +0 (the reference multiplies by the mask, which leaves
 * -0 for a negative weight and NaN for a non-finite one; a pruned weight here is exactly zero).
 *
 * @param weight the weight, a Float32Array.
 * @param keep its keep mask (1 kept, 0 pruned), one byte per weight.
 * @param grad optional gradient of the same length.
 * @throws TypeError for arrays of the wrong type; RangeError for a length mismatch; nothing is written then.
 */
export function applyMasks(weight: Float32Array, keep: Uint8Array, grad?: Float32Array | null): void {
  if (!isFloat32Array(weight)) throw new ArgumentError('applyMasks: weight must be a Float32Array');
  if (!(keep instanceof Uint8Array)) throw new ArgumentError('applyMasks: keep must be a Uint8Array');
  if (keep.length !== weight.length)
    throw new ShapeError(`applyMasks: keep has ${keep.length} elements, weight has ${weight.length}`);
  if (grad !== undefined && grad !== null) {
    if (!isFloat32Array(grad)) throw new ArgumentError('applyMasks: grad must be a Float32Array');
    if (grad.length !== weight.length)
      throw new ShapeError(`applyMasks: grad has ${grad.length} elements, weight has ${weight.length}`);
  }
  binding.maskApply(weight, keep, grad ?? null);
}
