/**
 * The raw native surface of prunekit (build/Release/prunekit.node), typed once. Every function checks its
 * arguments again (TypeError / RangeError) before it touches memory, so calling it directly cannot crash
 * the process; the public API in `lib/` validates first and names the module in its errors.
 */

/** An instruction set the kernels are compiled for. */
export type SimdLevel = 'scalar' | 'avx2' | 'avx512' | 'neon';

export interface SimdInfo {
  /** The set the kernels use now. */
  active: SimdLevel;
  /** Sets compiled into this binary that this CPU and its OS can run (best last). */
  supported: SimdLevel[];
  /** Sets compiled into this binary. */
  compiled: SimdLevel[];
}

/**
 * How a scoring call treats non-finite terms (NaN, +-Inf):
 * - `"compute"`: compute, do not look (the reference's behaviour); returns 0.
 * - `"guarded"`: count the non-finite terms first; write the scores only if there are none; returns the count.
 * - `"count"`: count only, write nothing; returns the count.
 */
export type ScoreMode = 'compute' | 'guarded' | 'count';

export interface NativeBinding {
  simdInfo(): SimdInfo;
  /** Switches the kernels to `level`; throws if this CPU or binary cannot run it. Returns the active set. */
  setSimd(level: string): SimdLevel;
  /** scores[i] = |input[i]| (magnitude, gradient). */
  scoreAbs(input: Float32Array, scores: Float32Array, mode: ScoreMode): number;
  /** scores[i] = |weight[i] * grad[i]| (snip). */
  scoreAbsMul(weight: Float32Array, grad: Float32Array, scores: Float32Array, mode: ScoreMode): number;
  /** scores[i] = scores[i] * alpha + beta * |weight[i] * grad[i]| (snip_momentum). */
  scoreMomentum(
    weight: Float32Array,
    grad: Float32Array,
    scores: Float32Array,
    alpha: number,
    beta: number,
    mode: ScoreMode,
  ): number;
}
