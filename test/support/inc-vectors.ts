/**
 * The INC 2.x step-by-step reference runs of test/fixtures/vectors/inc (see docs/inc-reference-runs.md):
 * the seeded generator of their weights and gradients (checked against each case's sha16), mask decoding,
 * and the training-step protocol the runs were made with, replayed through prunekit's Pruning driver.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Modules } from '../../lib/criteria';
import { Pruning } from '../../lib/pruning';
import { vectorsDir } from './criteria-vectors';

export interface IncLayer {
  name: string;
  shape: number[];
  prng_layer: number;
}

export interface IncScheduleEntry {
  step: number;
  t: number;
  T: number;
  ratio_hex: string;
  ratio: number;
  masks_updated: boolean;
  below_n_over_m?: boolean;
}

export interface IncCase {
  id: string;
  group: string;
  note: string;
  tags: string[];
  config: Record<string, unknown>;
  steps: number;
  prng: {
    seed: number;
    weight_exp: Record<string, number>;
    grad_exp: Record<string, number>;
    sha16: { weights: Record<string, string>; grads: Array<Record<string, string>> };
  };
  layers: IncLayer[];
  pruners: Array<{
    modules: string[];
    config: Record<string, unknown>;
    schedule: IncScheduleEntry[];
    freezes: unknown[];
    declared_floor: unknown[];
  }>;
  threshold_mode: { exempt_from_step: number | null; why: string[] };
  masks: Array<Record<string, string>>;
  weight_sha16: Array<Record<string, string>>;
}

/** The four files' cases, in file order. */
export function loadIncCases(): IncCase[] {
  const dir = path.join(vectorsDir, 'inc');
  return ['matrix', 'schedules', 'nm_below', 'caps'].flatMap(
    (file) => (JSON.parse(fs.readFileSync(path.join(dir, `${file}.json`), 'utf8')) as { cases: IncCase[] }).cases,
  );
}

/** The PRNG layer of the head, which INC generates but does not prune. */
export const HEAD = { name: 'head', shape: [10, 32], prng_layer: 3 };

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One tensor of the stream: kind 1 the initial weight, kind 2 the gradient of step `step`. */
export function draw(seed: number, kind: number, layer: number, step: number, n: number, exp: number): Float32Array {
  let x = fmix32((seed ^ (kind << 28) ^ (layer << 20) ^ step) >>> 0) || 0x9e3779b9;
  const out = new Float32Array(n);
  const scale = 2 ** (exp - 23);
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x ^= x >>> 17;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = ((x >>> 8) - 8388608) * scale;
  }
  return out;
}

/** First 16 hex digits of SHA-256 over the little-endian float32 bytes (every -0 written as +0 if asked). */
export function sha16(values: Float32Array, positiveZero = false): string {
  const copy = positiveZero ? values.map((v) => (v === 0 ? 0 : v)) : values;
  return crypto
    .createHash('sha256')
    .update(Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength))
    .digest('hex')
    .slice(0, 16);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function weightOf(c: IncCase, layer: IncLayer): Float32Array {
  return draw(c.prng.seed, 1, layer.prng_layer, 0, size(layer.shape), c.prng.weight_exp[layer.name]);
}

export function gradOf(c: IncCase, layer: IncLayer, step: number): Float32Array {
  return draw(c.prng.seed, 2, layer.prng_layer, step, size(layer.shape), c.prng.grad_exp[layer.name]);
}

/** A keep mask of the vectors (bit-packed, least significant bit first) as one byte per weight. */
export function decodeMask(encoded: string, numel: number): Uint8Array {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== Math.ceil(numel / 8)) throw new Error(`mask of ${bytes.length} bytes for ${numel} weights`);
  const out = new Uint8Array(numel);
  for (let i = 0; i < numel; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

/** A float64 from Python's `float.hex()` (`0x1.19d35c1ecb2e4p-2`, `0x0.0p+0`). */
export function fromHex(hex: string): number {
  const m = /^(-)?0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(hex);
  if (m === null) throw new Error(`not a float.hex() value: ${hex}`);
  const mantissa = BigInt(`0x${m[2]}${m[3]}`);
  const value = Number(mantissa) * 2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] ? -value : value;
}

/** Where a replayed step's masks differ from INC's: layer and the first differing index. */
export interface StepDiff {
  step: number;
  layer: string;
  differing: number;
  first: number;
}

export interface Replay {
  /** prunekit's masks after every step, by layer. */
  masks: Array<Record<string, Uint8Array>>;
  /** The weights after every step (sha16 per layer, bit for bit: -0 and +0 differ) and the element sparsity. */
  weights: Array<Record<string, string>>;
  sparsity: number[];
  /** Steps and layers where they differ from INC's. */
  diffs: StepDiff[];
  /** The first exempt step (null: none). */
  exemptFrom: number | null;
  /** Differences at steps that must match. */
  failures: StepDiff[];
}

/**
 * Runs a case through prunekit's driver with the vectors' step protocol and compares every step's masks;
 * `hooks: 'async'` runs the scoring, the mask update and the masks' application on worker threads
 * (onStepBeginAsync, onBeforeOptimizerStepAsync, onAfterOptimizerStepAsync).
 */
export async function replay(
  c: IncCase,
  tieMode: 'threshold' | 'exact',
  hooks: 'sync' | 'async' = 'sync',
): Promise<Replay> {
  const all = [...c.layers, HEAD];
  const tensors = new Map(all.map((l) => [l.name, { weight: weightOf(c, l), grad: new Float32Array(size(l.shape)) }]));
  const modules: Modules = {};
  for (const l of c.layers)
    modules[l.name] = { weight: tensors.get(l.name)!.weight, grad: tensors.get(l.name)!.grad, shape: l.shape };
  const pruning = new Pruning({ ...c.config, tie_mode: tieMode } as never, modules, { warn: () => {} });
  pruning.onTrainBegin();
  const lr = 2 ** -6;
  const masks: Array<Record<string, Uint8Array>> = [];
  const diffs: StepDiff[] = [];
  const weights: Replay['weights'] = [];
  const sparsity: number[] = [];
  for (let step = 0; step < c.steps; step++) {
    if (hooks === 'async') await pruning.onStepBeginAsync();
    else pruning.onStepBegin();
    for (const l of c.layers) tensors.get(l.name)!.grad.set(gradOf(c, l, step));
    if (hooks === 'async') await pruning.onBeforeOptimizerStepAsync();
    else pruning.onBeforeOptimizerStep();
    for (const l of c.layers) {
      const { weight, grad } = tensors.get(l.name)!;
      for (let i = 0; i < weight.length; i++) weight[i] = Math.fround(weight[i] - Math.fround(grad[i] * lr));
    }
    if (hooks === 'async') await pruning.onAfterOptimizerStepAsync();
    else pruning.onAfterOptimizerStep();
    pruning.onStepEnd();
    weights.push(Object.fromEntries(c.layers.map((l) => [l.name, sha16(tensors.get(l.name)!.weight)])));
    sparsity.push(pruning.sparsity().elementSparsity);
    const got: Record<string, Uint8Array> = {};
    for (const l of c.layers) {
      const mine = pruning.masks[l.name].slice();
      got[l.name] = mine;
      const want = decodeMask(c.masks[step][l.name], mine.length);
      let differing = 0;
      let first = -1;
      for (let i = 0; i < mine.length; i++)
        if (mine[i] !== want[i]) {
          if (first < 0) first = i;
          differing++;
        }
      if (differing > 0) diffs.push({ step, layer: l.name, differing, first });
    }
    masks.push(got);
  }
  const exemptFrom = c.threshold_mode.exempt_from_step;
  const failures = diffs.filter((d) => exemptFrom === null || d.step < exemptFrom);
  return { masks, weights, sparsity, diffs, exemptFrom, failures };
}
