/**
 * The plain JavaScript loops the native kernels are compared with: the same formula, written the way a
 * JavaScript user would, over the same Float32Arrays.
 */
export type CriterionName = 'magnitude' | 'gradient' | 'snip' | 'snip_momentum';

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

/** Float32 arrays each criterion reads, and writes (for memory traffic and the roof kernel). */
export const TRAFFIC: Record<CriterionName, { reads: 1 | 2 | 3; writes: 1 }> = {
  magnitude: { reads: 1, writes: 1 },
  gradient: { reads: 1, writes: 1 },
  snip: { reads: 2, writes: 1 },
  snip_momentum: { reads: 3, writes: 1 },
};
