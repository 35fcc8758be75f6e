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
  const reps = calibrate(fn, minSampleMs);
  const times: number[] = [];
  for (let s = 0; s < samples; s++) times.push(timeReps(fn, reps));
  return median(times);
}

/** How many calls of `fn` fill `minSampleMs` (the doubling runs are its warm-up). */
function calibrate(fn: () => void, minSampleMs: number): number {
  let reps = 1;
  for (;;) {
    const ms = (timeReps(fn, reps) * reps) / 1e6;
    if (ms >= minSampleMs || reps >= 1 << 20) return reps;
    reps = Math.min(1 << 20, Math.max(reps * 2, Math.ceil((reps * minSampleMs) / Math.max(ms, 1e-3))));
  }
}

/** Nanoseconds per call over `reps` back-to-back calls of `fn`. */
function timeReps(fn: () => void, reps: number): number {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) fn();
  return Number(process.hrtime.bigint() - t0) / reps;
}

/**
 * Median nanoseconds per call of each of `calls`, timed side by side: every call is calibrated (its warm-up)
 * before any is timed, then `rounds` rounds time `samples` samples of each, in an order that rotates and
 * reverses from round to round, so no call is always the first timed (when the JIT, the caches or the
 * clock frequency may still be settling) or always after the same neighbour. Each figure is the median of
 * every sample of every round.
 */
export function timeInterleaved<K extends string>(
  calls: Readonly<Record<K, () => void>>,
  rounds = 5,
  samples = 7,
  minSampleMs = 2,
): Record<K, number> {
  const names = Object.keys(calls) as K[];
  const reps = names.map((name) => calibrate(calls[name], minSampleMs));
  const times = names.map((): number[] => []);
  for (let round = 0; round < rounds; round++)
    for (const i of roundOrder(names.length, round))
      for (let s = 0; s < samples; s++) times[i].push(timeReps(calls[names[i]], reps[i]));
  return Object.fromEntries(names.map((name, i) => [name, median(times[i])])) as Record<K, number>;
}

/**
 * The order of `n` calls in round `round`: call `round % n` first, then onwards (even rounds) or backwards
 * (odd rounds) around the ring, so every call leads once in `n` rounds and meets both neighbours' warmth.
 */
export function roundOrder(n: number, round: number): number[] {
  const step = round % 2 ? n - 1 : 1;
  return Array.from({ length: n }, (_, i) => (round + i * step) % n);
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
