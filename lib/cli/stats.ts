/** Summary statistics of a score tensor, for the table and the JSON report of `prunekit score`. */

/** min, mean and max; all NaN for an empty tensor or one holding a NaN. */
export interface ScoreStats {
  min: number;
  mean: number;
  max: number;
}

/**
 * Summarises one score tensor. The mean is accumulated in float64. A NaN anywhere makes all three NaN
 * rather than silently dropping it from min and max.
 * @example
 * scoreStats(new Float32Array([1, 2, 6])); // { min: 1, mean: 3, max: 6 }
 */
export function scoreStats(scores: Float32Array): ScoreStats {
  if (scores.length === 0) return { min: NaN, mean: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v !== v) return { min: NaN, mean: NaN, max: NaN };
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / scores.length, max };
}
