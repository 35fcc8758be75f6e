/**
 * The protocol that runs a global selection over a model sharded across processes: each shard's rounds
 * (unit-selector.ts), the arrays they exchange, and the masks at the end.
 */
import { ArgumentError } from '../../errors';
import type { TieMode } from '../options';
import type { PruningPattern } from '../patterns';
import { buildMasks } from './emit-masks';
import { validateInto, validateLayers, type MaskLayer, type MaskResult } from './layer-input';
import { prepareLayers, type PreparedLayer } from './prepared-layers';
import { resolveOptions, type SelectionOptions } from './selection-options';
import { unitBounds, unitSelector, type UnitSelector } from './unit-selector';

/**
 * A global selection run in steps, so that a model sharded across processes gets exactly the masks one
 * process would compute over all its layers (`computeMasks(allLayers, { scope: 'global', ... })`), while
 * the processes exchange only small arrays through their own collectives.
 *
 * Protocol. Every process (shard) holds a contiguous run of the model's layers, in the model's order, and
 * knows its rank (shards concatenated by rank give the model order: exact mode breaks ties by that order).
 * 1. `new GlobalSelection(myLayers, options)` with the same options everywhere (`ratio` of all units of all
 *    shards, or `k`). The scores must not change until `masks` returns.
 * 2. Rounds: while `!sel.done`, `sel.histogram()` returns a Float64Array (at most 2052 numbers); sum it
 *    elementwise over all shards (an all-reduce SUM in float64 or int64: counts are integers, exact up to
 *    2^53) and hand the sum to `sel.advance(sum)`. Every shard sees the same sums, so every shard runs the
 *    same rounds: three in exact mode, four (plus four more per freeze of capped layers) in threshold mode.
 * 3. Ties: gather `sel.tieCounts()` (two numbers) from every shard, in rank order (an all-gather).
 * 4. `sel.masks(gathered, rank)` writes this shard's masks.
 * A single process passes its own arrays: `sel.advance(sel.histogram())`, and `sel.masks()`.
 *
 * @example
 * // in every process; allReduceSum / allGather are the collective library's
 * const sel = new GlobalSelection(myLayers, { pattern: '4x1', ratio: 0.8, reduce: 'mean' });
 * while (!sel.done) {
 *   const h = sel.histogram();
 *   await allReduceSum(h); // in place, elementwise, float64
 *   sel.advance(h);
 * }
 * const ties: Float64Array[] = await allGather(sel.tieCounts()); // ties[r] from rank r
 * const { masks, prunedUnits, skipped } = sel.masks(ties, rank);
 */
export class GlobalSelection {
  private readonly prepared: PreparedLayer[];
  private readonly pattern: PruningPattern;
  private readonly tieMode: TieMode;
  private readonly selector: UnitSelector;

  /**
   * @param layers this shard's layers, in model order (at least 0; skipped ones are reported as such).
   * @param options pattern, `ratio` (of all shards' units) or `k`, reduce, tie mode, per-layer bounds.
   * @throws on bad options or layers (see computeMasks), before anything is computed.
   */
  constructor(layers: readonly MaskLayer[], options: SelectionOptions) {
    const resolved = resolveOptions({ ...options, scope: 'global' }, 'ratio-or-k');
    validateLayers(layers);
    this.pattern = resolved.pattern;
    this.tieMode = resolved.tieMode;
    this.prepared = prepareLayers(layers, resolved.pattern, resolved.reduce);
    const selectable = this.pattern.kind === 'n:m' ? [] : this.prepared.filter((l) => l.skip === null);
    const units = selectable.map((l) => l.units);
    const target = resolved.k !== undefined ? { k: resolved.k } : { ratio: resolved.ratio as number };
    this.selector = unitSelector(units, this.tieMode, target, unitBounds(units, resolved.minRatio, resolved.maxRatio));
    // N:M has no selection: no rounds.
    if (this.pattern.kind === 'n:m') while (!this.selector.done) this.selector.advance(this.selector.histogram());
  }

  /** True when the histogram rounds are over (then `tieCounts` and `masks`). */
  get done(): boolean {
    return this.selector.done;
  }

  /** This shard's array for the current round; sum it over all shards and pass the sum to {@link advance}. */
  histogram(): Float64Array {
    return this.selector.histogram();
  }

  /**
   * Takes the current round's array summed over all shards (a Float64Array, or any array of the same
   * numbers, e.g. decoded from a message).
   * @throws RangeError if it does not have this round's length.
   */
  advance(merged: ArrayLike<number>): void {
    this.selector.advance(merged);
  }

  /** `[base, full]` of this shard, to gather from every shard in rank order once `done`. */
  tieCounts(): Float64Array {
    return this.selector.tieCounts();
  }

  /**
   * This shard's keep masks.
   * @param ties every shard's `tieCounts()`, in rank order (default: this shard alone).
   * @param rank this shard's index in `ties` (default 0).
   * @param into optional mask buffers to reuse, by layer name (a Uint8Array of the layer's size each).
   */
  masks(ties?: ArrayLike<ArrayLike<number>>, rank = 0, into?: Record<string, Uint8Array>): MaskResult {
    const all = ties ?? [this.selector.tieCounts()];
    if (all === null || typeof all !== 'object' || typeof all.length !== 'number')
      throw new ArgumentError("ties must be an array of every shard's tieCounts(), in rank order");
    if (!Number.isInteger(rank) || rank < 0 || rank >= all.length)
      throw new ArgumentError(`rank ${rank} is not an index of ties (${all.length} shards)`);
    validateInto(this.prepared, into);
    let start = 0;
    for (let s = 0; s < all.length; s++) {
      const pair = all[s];
      if (!pair || pair.length !== 2)
        throw new ArgumentError(`ties[${s}] must hold the two numbers of that shard's tieCounts()`);
      for (const v of [pair[0], pair[1]])
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || pair[0] > pair[1])
          throw new ArgumentError(
            `ties[${s}] must be that shard's tieCounts() [base, full]: non-negative integers, base <= full; got [${pair[0]}, ${pair[1]}]`,
          );
      start += s < rank ? pair[1] : pair[0];
    }
    return buildMasks(this.prepared, this.pattern, this.tieMode === 'exact', this.selector.decisions(start), into);
  }
}
