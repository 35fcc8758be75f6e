/**
 * An independent oracle for the criteria, in plain JavaScript: products of two float32 values are exact in
 * float64, and a float64 sum of two float32 values rounded once with Math.fround gives the correctly rounded
 * float32 sum, so these functions compute SPEC 1's float32 formulas exactly.
 */
export type CriterionName = 'magnitude' | 'gradient' | 'snip' | 'snip_momentum';

/** The new term of step i: |w|, |g| or |w*g| rounded to float32. */
export function term(criterion: CriterionName, w: number, g: number): number {
  if (criterion === 'magnitude') return Math.abs(w);
  if (criterion === 'gradient') return Math.abs(g);
  return Math.abs(Math.fround(w * g));
}

/** One hook call's scores from the previous ones; propagates non-finite terms as the reference does. */
export function step(
  criterion: CriterionName,
  weight: Float32Array,
  grad: Float32Array,
  previous: Float32Array,
  alpha: number,
  beta: number,
): Float32Array {
  const out = new Float32Array(weight.length);
  const a = Math.fround(alpha),
    b = Math.fround(beta);
  for (let i = 0; i < weight.length; i++) {
    const t = term(criterion, weight[i], grad[i]);
    out[i] = criterion === 'snip_momentum' ? Math.fround(Math.fround(previous[i] * a) + Math.fround(b * t)) : t;
  }
  return out;
}

/** How many terms of one hook call are NaN or infinite. */
export function nonFiniteTerms(criterion: CriterionName, weight: Float32Array, grad: Float32Array): number {
  let count = 0;
  for (let i = 0; i < weight.length; i++) if (!Number.isFinite(term(criterion, weight[i], grad[i]))) count++;
  return count;
}

/** Index of the first element whose bits differ (any NaN equals any NaN), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** A jest-friendly description of the first difference, or 'identical'. */
export function bitReport(got: Float32Array, want: Float32Array): string {
  const i = firstBitDifference(got, want);
  if (i < 0) return 'identical';
  const hex = (x: Float32Array) =>
    i < x.length ? new Uint32Array(x.buffer, x.byteOffset, x.length)[i].toString(16) : 'none';
  return `element ${i}: got ${got[i]} (0x${hex(got)}), want ${want[i]} (0x${hex(want)})`;
}
