/**
 * Exact selection of the units to prune with the native mask kernels (SPEC.md section 2, "Selection",
 * "Scope"), and the protocol that runs a global selection over a model sharded across processes. One file
 * per concept:
 *   - layer-input.ts: the layers computeMasks and GlobalSelection take, checked at their edge;
 *   - selection-options.ts: their options, checked by the shared validator (../options.ts);
 *   - prepared-layers.ts: each layer's plan (../layer-plan.ts) and unit scores;
 *   - radix-select.ts: the per-layer radix select and its decisions, pure functions over unit arrays;
 *   - radix-rounds.ts, exact-rounds.ts, threshold-rounds.ts: a selection's rounds over many layers, one
 *     class per tie mode, chosen once by unit-selector.ts;
 *   - emit-masks.ts: keep masks from the decisions;
 *   - global-selection.ts: the sharded protocol.
 *
 * The rules are those of the reference pruner with prunekit's fixes (SPEC 2; written out in the header of
 * test/support/reference-masks.ts, the sorting oracle these results are tested against). They are not
 * INC's step (lib/pruning/step-select.ts, native/runtime/prune_step.cc, which pruneOneShot, the Pruning
 * driver and `prunekit prune` run): k and the bounds here are exact floors (`targetCount`), the min is a
 * floor, and INC's `adjust_ratio` budget rule does not run, so with ties or bounds the masks can differ
 * (docs/pruning.md, "computeMasks and GlobalSelection: not INC's loop").
 */
export type { TieMode } from '../options';
export { validateInto, validateLayers, type MaskLayer, type MaskResult } from './layer-input';
export { resolveOptions, type ResolvedOptions, type SelectionOptions } from './selection-options';
export { prepareLayers, type PreparedLayer } from './prepared-layers';
export { KEEP_ALL, type UnitDecision } from './radix-select';
export { selectAlone, unitBounds, unitSelector, type UnitSelector } from './unit-selector';
export { buildMasks, writeLayerMask } from './emit-masks';
export { GlobalSelection } from './global-selection';
