/** Timing helpers for the benchmarks: medians of repeated samples, each long enough to time reliably. */

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median nanoseconds per call of `fn`, over `samples` samples of as many calls as fill `minSampleMs`
 * (calibrated once), after one warm-up sample.
 */
export function timeCall(fn: () => void, samples = 7, minSampleMs = 2): number {
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= minSampleMs || reps >= 1 << 20) break;
    reps = Math.min(1 << 20, Math.max(reps * 2, Math.ceil((reps * minSampleMs) / Math.max(ms, 1e-3))));
  }
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / reps);
  }
  return median(times);
}

/** A deterministic pseudo-random float in [-1, 1) generator (xorshift32). */
export function randomFloats(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 31 - 1;
  };
}

/** A Float32Array of `n` deterministic values scaled by `scale`. */
export function filled(n: number, seed: number, scale = 1): Float32Array {
  const next = randomFloats(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next() * scale;
  return out;
}
