/**
 * The plain JavaScript loops the native kernels are compared with: the same formula, written the way a
 * JavaScript user would, over the same Float32Arrays.
 */
import { BUILTIN_CRITERIA, BUILTIN_CRITERION_NAMES, type BuiltinCriterion } from '../criteria/builtin';

/** The benchmarks' name for {@link BuiltinCriterion} (one type, two names while the benchmarks move over). */
export type CriterionName = BuiltinCriterion;

/** One plain JavaScript loop per built-in criterion, the formula its kernel computes. */
export function jsScore(type: CriterionName, w: Float32Array, g: Float32Array, s: Float32Array): void {
  const n = s.length;
  switch (type) {
    case 'magnitude':
      for (let i = 0; i < n; i++) s[i] = Math.abs(w[i]);
      break;
    case 'gradient':
      for (let i = 0; i < n; i++) s[i] = Math.abs(g[i]);
      break;
    case 'snip':
      for (let i = 0; i < n; i++) s[i] = Math.abs(w[i] * g[i]);
      break;
    case 'snip_momentum':
      for (let i = 0; i < n; i++) s[i] = s[i] * 0.9 + 1.0 * Math.abs(w[i] * g[i]);
      break;
  }
}

/**
 * Float32 arrays each criterion reads, and writes (for memory traffic and the roof kernel), from its kernel:
 * its input, the grad if it uses one, and the old scores for momentum.
 */
export const TRAFFIC: Readonly<Record<BuiltinCriterion, { reads: 1 | 2 | 3; writes: 1 }>> = Object.freeze(
  Object.fromEntries(
    BUILTIN_CRITERION_NAMES.map((name) => {
      const { op, usesGrad } = BUILTIN_CRITERIA[name].kernel;
      return [name, { reads: (1 + (usesGrad ? 1 : 0) + (op === 'momentum' ? 1 : 0)) as 1 | 2 | 3, writes: 1 as const }];
    }),
  ) as Record<BuiltinCriterion, { reads: 1 | 2 | 3; writes: 1 }>,
);
