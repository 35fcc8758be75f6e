/**
 * INC 2.x's selection loop in TypeScript: what lib/cli/prune16.ts selects with over 16-bit block scores and
 * lib/cli/stream-prune.ts over units re-read from a checkpoint (`selectStepFrom`), and the oracle of
 * native/runtime/prune_step.cc, which runs it for the Pruning driver and pruneOneShot
 * (test/pruning/native-step.test.ts compares them on random layers). INC 2.x's own loop
 * (`patterns/nxm.py` / `ninm.py` `get_masks_global`, `patterns/base.py` `adjust_ratio`), as pure functions
 * over unit scores (blocks for NxM, groups of M for N:M), in two tie modes:
 *   - "threshold" (reference mode): INC's rules exactly: k = int(units * ratio), prune `<= kthvalue(k)`;
 *   - "exact" (default): the same loop, but k = targetCount(ratio, units) (the decimal floor, SPEC
 *     "Target count") and every "prune `<=` the k-th" becomes "prune exactly the k first by (score, index)",
 *     the index running over the layers in order; NaN is never pruned.
 *
 * The loop (one scope: all layers in global scope, each layer alone in local scope):
 *   1. k = count(units * ratio); k <= 0 leaves the previous masks as they are.
 *   2. T = the k-th smallest unit score over the layers not frozen; each such layer in order proposes the
 *      units at or below T and `adjustRatio` may cap it (`max_sparsity_ratio_per_op`) or shrink it (the
 *      `min_sparsity_ratio_per_op` budget); an adjusted layer is frozen at its own k-th smallest and its
 *      count leaves k. Repeat over the layers not frozen until no layer freezes.
 * `adjustRatio` reads every layer's zero units as they stand when it runs (the earlier layers' new
 * proposals, the later layers' previous masks), as INC does.
 */
import { binding } from '../native';
import { targetCount } from './target';

/** The radix digits, most significant first (as selection.ts). */
const DIGITS = [11, 11, 10] as const;
/** The key every NaN maps to. */
export const NAN_KEY = 0xffffffff;

/** How one layer's units are pruned: every key below `key` and the first `quota` units equal to it. */
export interface UnitCut {
  /** null: nothing pruned. */
  key: number | null;
  /** Ties to prune, in index order (Infinity: all). */
  quota: number;
  /** Units pruned. */
  pruned: number;
}

export const KEEP_ALL: UnitCut = Object.freeze({ key: null, quota: 0, pruned: 0 }) as UnitCut;

export interface StepSelectOptions {
  exact: boolean;
  ratio: number;
  /** Per-layer bounds and the final target, in units' terms (N:M: scaled by M/N). */
  maxRatio: number;
  minRatio: number;
  targetRatio: number;
}

/** What a step selects: one cut per layer, or `unchanged` (k <= 0: the previous masks stay). */
export type StepSelection = { unchanged: true } | { unchanged: false; cuts: UnitCut[] };

/** INC's `int(x)` of a non-negative product, or prunekit's exact floor. */
function unitCount(exact: boolean, ratio: number, count: number): number {
  if (exact) return targetCount(Math.min(1, Math.max(0, ratio)), count);
  return Math.trunc(count * ratio);
}

/**
 * Where a step's unit scores come from: held arrays, or layers re-read one at a time (lib/cli/stream-prune.ts
 * re-reads a checkpoint). Each layer's units must be the same at every call.
 */
export interface UnitSource {
  /** Units of each layer, in model order. */
  readonly sizes: readonly number[];
  /** Units of each layer that are not NaN, when known (exact mode counts them otherwise: one more read). */
  readonly nonNan?: readonly number[];
  /** Runs `use` on layer j's unit scores (valid only during the call). */
  withUnits<T>(j: number, use: (units: Float32Array) => T): T;
  /**
   * Each layer's histogram of the first radix digit (`selectHistogram(units, 0, 0, 11, h)`), when the
   * source counted it as it first read the units: every search then starts without a read.
   */
  readonly firstDigit?: readonly Uint32Array[];
  /**
   * A source holding only the units of layers `set` whose key starts with `prefix` (its top `prefixBits`
   * bits; `count` of them in all), or undefined: the rest of a search reads that instead of this source.
   */
  narrow?(set: readonly number[], prefix: number, prefixBits: number, count: number): UnitSource | undefined;
}

/** A source over held unit arrays. */
export function heldUnits(units: readonly Float32Array[]): UnitSource {
  return { sizes: units.map((u) => u.length), withUnits: (j, use) => use(units[j]) };
}

/**
 * The k-th smallest key over the layers `set` of `source` (1 <= k <= their total), with each layer's count
 * below it and equal to it. Histograms summed over the layers, three radix passes (one read of each layer
 * per pass; the first comes from `firstDigit` when the source has it, and after a pass the search goes on
 * over the units the source can `narrow` to, held).
 */
function kthOver(
  source: UnitSource,
  set: readonly number[],
  k: number,
): { key: number; below: number[]; ties: number[] } {
  const hist = set.map(() => new Uint32Array(2048));
  const sum = new Float64Array(2048);
  const below = set.map(() => 0);
  const ties = set.map(() => 0);
  let prefix = 0;
  let prefixBits = 0;
  let globalBelow = 0;
  let from = source;
  DIGITS.forEach((bits, digit) => {
    const bins = 2 ** bits;
    sum.fill(0, 0, bins);
    set.forEach((j, i) => {
      const h = hist[i].subarray(0, bins);
      if (digit === 0 && from.firstDigit !== undefined) h.set(from.firstDigit[j]);
      else {
        h.fill(0);
        from.withUnits(j, (units) => binding.selectHistogram(units, prefix, prefixBits, bits, h));
      }
      for (let c = 0; c < bins; c++) sum[c] += h[c];
    });
    let c = 0;
    while (c < bins - 1 && globalBelow + sum[c] < k) globalBelow += sum[c++];
    set.forEach((_, i) => {
      for (let b = 0; b < c; b++) below[i] += hist[i][b];
      ties[i] = hist[i][c];
    });
    prefix = prefix * 2 ** bits + c;
    prefixBits += bits;
    if (digit < DIGITS.length - 1) from = from.narrow?.(set, prefix, prefixBits, sum[c]) ?? from;
  });
  return { key: prefix >>> 0, below, ties };
}

/** The histogram {@link UnitSource.firstDigit} holds for one layer's units. */
export function firstDigitOf(units: Float32Array): Uint32Array {
  const h = new Uint32Array(2 ** DIGITS[0]);
  binding.selectHistogram(units, 0, 0, DIGITS[0], h);
  return h;
}

/**
 * The units whose key starts with `prefix` (its top `prefixBits` bits, 1 to 32), in order, copied bit for bit
 * into `out` from its start (which must have room for them all); returns how many.
 */
export function unitsWithPrefix(units: Float32Array, prefix: number, prefixBits: number, out: Float32Array): number {
  const n = binding.selectGather(units, prefix, prefixBits, out);
  if (n > out.length) throw new Error(`internal: ${n} units under the prefix, room for ${out.length}`);
  return n;
}

/** Units that are not NaN. */
export function nonNanCount(units: Float32Array): number {
  return units.length - binding.selectCount(units, NAN_KEY);
}

/** One layer alone at its own count: `<= kthvalue(count)` (threshold) or exactly `count` (exact). */
function ownCut(units: Float32Array, count: number, exact: boolean): UnitCut {
  const kk = Math.min(count, exact ? nonNanCount(units) : units.length);
  if (kk < 1) return KEEP_ALL;
  const { key, below, ties } = kthOver(heldUnits([units]), [0], kk);
  if (key === NAN_KEY) return exact ? { key, quota: 0, pruned: below[0] } : KEEP_ALL;
  return exact ? { key, quota: kk - below[0], pruned: kk } : { key, quota: Infinity, pruned: below[0] + ties[0] };
}

/**
 * INC's `adjust_ratio` for layer `j` proposing `zeros` of its `total` units, given every layer's zero
 * units as they stand (`zerosNow`) and its size (`totals`). Returns null (keep the proposal) or the
 * adjusted ratio (the layer is frozen at it).
 */
export function adjustRatio(
  j: number,
  zeros: number,
  zerosNow: readonly number[],
  totals: readonly number[],
  o: Pick<StepSelectOptions, 'maxRatio' | 'minRatio' | 'targetRatio'>,
): number | null {
  const total = totals[j];
  let adjusted = false;
  let zeroCount = zeros;
  let ratio = zeros / total;
  if (ratio > o.maxRatio) {
    adjusted = true;
    ratio = o.maxRatio;
    zeroCount = Math.trunc(total * o.maxRatio);
  }
  if (ratio < o.minRatio) return adjusted ? ratio : null;
  let anyAbove = ratio > o.targetRatio;
  let netTotal = 0;
  for (let i = 0; i < totals.length; i++) {
    netTotal += totals[i];
    if (zerosNow[i] / totals[i] > o.targetRatio) anyAbove = true;
  }
  if (!anyAbove) return adjusted ? ratio : null;
  let zerosBelow = 0;
  let totalBelow = 0;
  let zerosAbove = 0;
  for (let i = 0; i < totals.length; i++) {
    const [z, r] = i === j ? [zeroCount, ratio] : [zerosNow[i], zerosNow[i] / totals[i]];
    if (r < o.minRatio) {
      zerosBelow += z;
      totalBelow += totals[i];
    } else zerosAbove += z;
  }
  const gap = Math.trunc(totalBelow * o.minRatio) - zerosBelow;
  const remaining = Math.trunc(netTotal * o.targetRatio) - zerosAbove - zerosBelow;
  if (remaining >= gap) return adjusted ? ratio : null;
  return (zeroCount - (gap - remaining)) / total;
}

/**
 * One scope's selection over held unit scores.
 * @param units each layer's unit scores, in model order.
 * @param previousZeros each layer's zero units in its current masks (what adjustRatio reads for layers not
 *   yet proposed).
 */
export function selectStep(
  units: readonly Float32Array[],
  previousZeros: readonly number[],
  o: StepSelectOptions,
): StepSelection {
  return selectStepFrom(heldUnits(units), previousZeros, o);
}

/**
 * {@link selectStep} over units read from `source` (each k-th value search reads every active layer up to 3
 * times: fewer with the source's `firstDigit` and `narrow`).
 */
export function selectStepFrom(
  source: UnitSource,
  previousZeros: readonly number[],
  o: StepSelectOptions,
): StepSelection {
  const totals = source.sizes;
  const totalUnits = totals.reduce((a, b) => a + b, 0);
  let residual = unitCount(o.exact, o.ratio, totalUnits);
  if (residual <= 0) return { unchanged: true };
  const zerosNow = [...previousZeros];
  const cuts: UnitCut[] = totals.map(() => KEEP_ALL);
  const frozen = totals.map(() => false);
  // Non-NaN units per layer (exact mode), counted once.
  const nonNan = !o.exact ? totals : (source.nonNan ?? totals.map((_, j) => source.withUnits(j, nonNanCount)));
  let active: number[] = [];
  for (;;) {
    const next = totals.map((_, j) => j).filter((j) => !frozen[j]);
    if (next.length === 0 || (next.length === active.length && next.every((j, i) => j === active[i]))) break;
    active = next;
    const available = active.reduce((a, j) => a + nonNan[j], 0);
    const kk = Math.min(residual, available);
    // A proposal per active layer: counts at the k-th smallest key T.
    let proposals: UnitCut[];
    if (kk < 1) proposals = active.map(() => KEEP_ALL);
    else {
      const { key, below, ties } = kthOver(source, active, kk);
      if (key === NAN_KEY && !o.exact) proposals = active.map(() => KEEP_ALL);
      else if (o.exact) {
        let quota = kk - below.reduce((a, b) => a + b, 0);
        proposals = active.map((_, i) => {
          const take = key === NAN_KEY ? 0 : Math.min(ties[i], quota);
          quota -= take;
          const pruned = below[i] + take;
          return pruned === 0 ? KEEP_ALL : { key, quota: take, pruned };
        });
      } else proposals = active.map((_, i) => ({ key, quota: Infinity, pruned: below[i] + ties[i] }));
    }
    active.forEach((j, i) => {
      const adjusted = adjustRatio(j, proposals[i].pruned, zerosNow, totals, o);
      if (adjusted === null) cuts[j] = proposals[i];
      else {
        frozen[j] = true;
        const count = unitCount(o.exact, adjusted, totals[j]);
        cuts[j] = source.withUnits(j, (units) => ownCut(units, count, o.exact));
        residual -= cuts[j].pruned;
      }
      zerosNow[j] = cuts[j].pruned;
    });
  }
  return { unchanged: false, cuts };
}
