/**
 * A selection's rounds for a tie mode, chosen once: exact (exact-rounds.ts) or threshold
 * (threshold-rounds.ts), and the per-layer unit bounds both read.
 */
import type { TieMode } from '../options';
import { targetCount } from '../target';
import { ExactRounds } from './exact-rounds';
import type { SelectionTarget, UnitBounds, UnitSelector } from './radix-rounds';
import { ThresholdRounds } from './threshold-rounds';

export type { SelectionTarget, UnitBounds, UnitSelector } from './radix-rounds';

/** The rounds of a selection over `units` (one array per prunable layer, in order), for `tieMode`. */
export function unitSelector(
  units: readonly Float32Array[],
  tieMode: TieMode,
  target: SelectionTarget,
  bounds: UnitBounds,
): UnitSelector {
  return tieMode === 'exact' ? new ExactRounds(units, target, bounds) : new ThresholdRounds(units, target, bounds);
}

/** Runs a selection held by one process to the end: its rounds, then its decisions. */
export function selectAlone(selector: UnitSelector): ReturnType<UnitSelector['decisions']> {
  while (!selector.done) selector.advance(selector.histogram());
  return selector.decisions(selector.tieCounts()[0]);
}

/** Unit bounds of each layer: lo = targetCount(min), hi = targetCount(max). */
export function unitBounds(units: readonly Float32Array[], minRatio: number, maxRatio: number): UnitBounds {
  return {
    lo: units.map((u) => targetCount(minRatio, u.length)),
    hi: units.map((u) => targetCount(maxRatio, u.length)),
  };
}
