/**
 * Keep masks from a selection's decisions, by the native emission kernels: a unit mask from the decided key
 * and tie quota, expanded to the block, scattered back through the plan's index map for a permuted layout.
 * N:M masks come straight from the scores (the N smallest of every group of M).
 */
import { binding } from '../../native';
import type { TieMode } from '../options';
import type { PruningPattern } from '../patterns';
import type { MaskResult } from './layer-input';
import type { PreparedLayer } from './prepared-layers';
import { KEEP_ALL, type UnitDecision } from './radix-select';

/** Writes one layer's keep mask (element level, the weight's own layout) into `out`; returns the units pruned. */
export function writeLayerMask(
  layer: PreparedLayer,
  pattern: PruningPattern,
  tieMode: TieMode,
  decision: UnitDecision | null,
  out: Uint8Array,
): number {
  if (layer.skip !== null) {
    out.fill(1);
    return 0;
  }
  const elementUnits = layer.blockRows * layer.blockCols === 1;
  const viewKeep = layer.viewMap !== null ? new Uint8Array(layer.size) : out;
  let pruned: number;
  if (pattern.kind === 'n:m') {
    pruned = binding.maskNM(layer.viewScores, pattern.n, pattern.m, tieMode, viewKeep);
  } else {
    const d = decision ?? KEEP_ALL;
    const unitKeep = elementUnits ? viewKeep : new Uint8Array(layer.units.length);
    if (d.key === null) unitKeep.fill(1);
    else binding.selectEmit(layer.units, d.key, d.quota, unitKeep);
    if (!elementUnits)
      binding.maskExpandBlocks(unitKeep, layer.rows, layer.cols, layer.blockRows, layer.blockCols, viewKeep);
    pruned = d.pruned;
  }
  const map = layer.viewMap;
  if (map !== null) for (let v = 0; v < map.length; v++) out[map[v]] = viewKeep[v];
  return pruned;
}

/** Fills a {@link MaskResult} for `layers` from the decisions of their prunable ones (in order). */
export function buildMasks(
  layers: readonly PreparedLayer[],
  pattern: PruningPattern,
  exact: boolean,
  decisions: readonly UnitDecision[],
  into: Record<string, Uint8Array> | undefined,
): MaskResult {
  const tieMode: TieMode = exact ? 'exact' : 'threshold';
  // Null-prototype records: a layer named "__proto__" or "constructor" is an entry like any other.
  const result: MaskResult = {
    masks: Object.create(null),
    prunedUnits: Object.create(null),
    skipped: Object.create(null),
  };
  let next = 0;
  for (const layer of layers) {
    const out = into?.[layer.name] ?? new Uint8Array(layer.size);
    const decision = layer.skip === null && pattern.kind !== 'n:m' ? decisions[next++] : null;
    const pruned = writeLayerMask(layer, pattern, tieMode, decision, out);
    result.masks[layer.name] = out;
    if (layer.skip !== null) result.skipped[layer.name] = layer.skip;
    else result.prunedUnits[layer.name] = pruned;
  }
  return result;
}
