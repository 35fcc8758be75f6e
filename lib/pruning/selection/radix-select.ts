/**
 * The per-layer radix select over order-preserving 32-bit keys of unit scores (a float's key orders like the
 * float, -0 with +0, every NaN last; see binding.d.ts), and what it decides for one layer's units. Pure
 * functions over a unit array; the rounds of a selection over many layers (exact-rounds.ts,
 * threshold-rounds.ts) use the same digits.
 *
 * Three passes, digits of 11, 11 and 10 bits: each pass histograms the keys that share the prefix chosen so
 * far. After the third the k-th key is known exactly, and so are the counts below it and equal to it.
 */
import { binding } from '../../native';

/** The radix digits, most significant first. */
export const DIGITS = [11, 11, 10] as const;
/** The key of every NaN. */
export const NAN_KEY = 0xffffffff;
/** The first-pass bin holding NaN keys only (+Inf is 0xff800000, bin 2044). */
export const NAN_BIN = 2047;

export const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** What the mask of one layer's units is: keep all, or prune below `key` and the first `quota` ties. */
export interface UnitDecision {
  /** null: nothing pruned. */
  key: number | null;
  /** Ties to prune (Infinity: all). */
  quota: number;
  /** Units pruned. */
  pruned: number;
}

export const KEEP_ALL: UnitDecision = Object.freeze({ key: null, quota: 0, pruned: 0 });

/** The k-th smallest key of `units` (1 <= k <= length), the count below it and the count equal to it. */
export function kthKey(
  units: Float32Array,
  k: number,
  scratch: Uint32Array,
): { key: number; below: number; ties: number } {
  let prefix = 0;
  let prefixBits = 0;
  let below = 0;
  let ties = 0;
  for (const bits of DIGITS) {
    const hist = scratch.subarray(0, 2 ** bits);
    hist.fill(0);
    binding.selectHistogram(units, prefix, prefixBits, bits, hist);
    let c = 0;
    while (c < hist.length - 1 && below + hist[c] < k) below += hist[c++];
    ties = hist[c];
    prefix = prefix * 2 ** bits + c;
    prefixBits += bits;
  }
  return { key: prefix, below, ties };
}

/** Exactly `count` units, the first by (score, index); `count` never exceeds the non-NaN units. */
export function exactDecision(units: Float32Array, count: number, scratch: Uint32Array): UnitDecision {
  if (count <= 0) return KEEP_ALL;
  const { key, below } = kthKey(units, count, scratch);
  return { key, quota: count - below, pruned: count };
}

/** The reference's rule within one layer: prune `<= kthvalue(bound)`; nothing if bound <= 0 or that is NaN. */
export function thresholdDecision(units: Float32Array, bound: number, scratch: Uint32Array): UnitDecision {
  const kk = Math.min(bound, units.length);
  if (kk <= 0) return KEEP_ALL;
  const { key, below, ties } = kthKey(units, kk, scratch);
  if (key === NAN_KEY) return KEEP_ALL;
  return { key, quota: Infinity, pruned: below + ties };
}
