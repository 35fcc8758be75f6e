/** A seeded generator of numbers in [0, 1), for reproducible random test inputs (the benchmarks' xorshift32). */
import { randomFloats } from '../../lib/bench/timing';

export function rng(seed: number): () => number {
  const next = randomFloats(seed); // [-1, 1) in steps of 2^-31: halving after +1 is exact
  return () => (next() + 1) / 2;
}
