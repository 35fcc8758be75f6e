/**
 * Target counts: how many blocks a sparsity ratio prunes.
 *
 * The reference computes `int(ratio * count)` in binary floating point, so a ratio the user wrote as a
 * decimal can lose one: `0.29 * 100` is `28.999999999999996` and truncates to 28. prunekit computes
 * `floor(ratio * count)` so that this does not happen (SPEC.md section 2, "Target count").
 *
 * Method (tolerance-free, no epsilon):
 *   k = max( floor(fl(ratio * count)),  floor(D(ratio) * count) )
 * where `fl(ratio * count)` is the reference's own float product and `D(ratio)` is the exact decimal value
 * of the shortest string that round-trips to `ratio` (`String(ratio)`, e.g. `"0.29"`), the value the
 * user typed in a JSON config. The second term is computed exactly with BigInt. Taking the maximum means
 * prunekit never prunes fewer blocks than the reference, and adds one exactly where the decimal the user
 * wrote reaches the next integer:
 *   - `0.29 * 100` -> 29, `0.57 * 100` -> 57 (the float products are 28.99..., 56.99...),
 *   - `(1/3) * 3` -> 1: the decimal `0.3333333333333333` gives 0, but the float product rounds to 1, which is
 *     also what the reference gives; the max keeps it,
 *   - `0.1 * 10` -> 1, ratio 0 -> 0, ratio 1 -> count.
 */
import { ArgumentError } from '../errors';
import { parseRatio } from './options';

/**
 * Validate a sparsity ratio: a finite number in [0, 1] (the shared validator's check, lib/pruning/options.ts).
 *
 * @param ratio the value to check.
 * @param what  the name of the setting, used in the error message (default `"ratio"`).
 * @returns the ratio, unchanged (`-0` becomes `0`).
 * @throws ArgumentError if `ratio` is not a number, not finite, or outside [0, 1].
 */
export function validateRatio(ratio: unknown, what = 'ratio'): number {
  return parseRatio(ratio, what);
}

/**
 * Number of blocks pruned by `ratio` out of `count`: `floor(ratio * count)` without losing one to binary
 * artifacts (see the file comment for the exact method).
 *
 * @param ratio sparsity ratio, a finite number in [0, 1].
 * @param count number of prunable units (blocks, groups, elements), a non-negative safe integer.
 * @returns an integer k with 0 <= k <= count; 0 when ratio is 0, count when ratio is 1.
 * @throws RangeError for a ratio outside [0, 1] or not finite, or a count that is not a non-negative safe
 *   integer.
 */
export function targetCount(ratio: number, count: number): number {
  const r = validateRatio(ratio);
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new ArgumentError(`count must be a non-negative safe integer, got ${describe(count)}`);
  }
  if (r === 0 || count === 0) return 0;
  if (r === 1) return count;
  const fromFloat = Math.floor(r * count);
  const [num, den] = decimalOf(r);
  const fromDecimal = Number((num * BigInt(count)) / den);
  return Math.min(count, Math.max(fromFloat, fromDecimal));
}

/**
 * The exact rational value of the shortest round-trip decimal string of a finite non-negative number,
 * as `[numerator, denominator]` with the denominator a power of ten.
 */
function decimalOf(x: number): [bigint, bigint] {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (m === null) throw new Error(`internal: cannot parse the decimal form of ${x}`);
  const intPart = m[1];
  const frac = m[2] ?? '';
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  let num = BigInt(intPart + frac);
  let scale = frac.length - exp; // value = num / 10^scale
  if (scale < 0) {
    num *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return [num, 10n ** BigInt(scale)];
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === null ? 'null' : typeof v;
}
