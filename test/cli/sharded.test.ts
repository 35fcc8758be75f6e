// Streamed and sharded checkpoints through the CLI: the output equals the in-memory path (pruneOneShot on
// the whole model) bit for bit, a sharded output mirrors its input's layout, and bad input fails cleanly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { type TensorInput, readSafetensors, tensorAsFloat32, writeSafetensors } from '../../lib/io';
import { pruneOneShot } from '../../lib/pruning/one-shot';
import { parsePattern, sparsityReport } from '../../lib/pruning';
import type { Modules } from '../../lib/criteria';
import { runCli, tempDir } from './helpers';
import { randomFloats as rng } from '../../lib/bench/timing'; // xorshift32 in [-1, 1)

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** A BF16 tensor of random values (exact: BF16 is the top half of an F32), a few exact ties included. */
function bf16(shape: number[], next: () => number): TensorInput {
  const n = shape.reduce((a, d) => a * d, 1);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const bits = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    f[0] = i % 17 === 0 ? 0.25 : next();
    bits[i] = u[0] >>> 16;
  }
  return { dtype: 'BF16', shape, data: bits };
}

function f32(shape: number[], next: () => number): TensorInput {
  const n = shape.reduce((a, d) => a * d, 1);
  return { dtype: 'F32', shape, data: Float32Array.from({ length: n }, next) };
}

/** The test model: 2-D and 4-D weights in BF16 and F32, 1-D biases, an integer tensor. */
function modelTensors(): Array<[string, TensorInput]> {
  const next = rng(7);
  return [
    ['embed.weight', bf16([32, 16], next)],
    ['l0.weight', bf16([16, 32], next)],
    ['l0.bias', bf16([16], next)],
    ['conv.weight', f32([8, 4, 2, 2], next)],
    ['l1.weight', f32([24, 16], next)],
    ['step', { dtype: 'I64', shape: [1], data: new BigInt64Array([5n]) }],
    ['l2.weight', bf16([16, 24], next)],
    ['norm.weight', f32([24], next)],
  ];
}

/** Writes the model as shards of `perShard` tensors plus an index, as Hugging Face lays it out. */
function writeSharded(dir: string, tensors: Array<[string, TensorInput]>, perShard: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const count = Math.ceil(tensors.length / perShard);
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < count; s++) {
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(s * perShard, (s + 1) * perShard);
    for (const [n, t] of part) {
      weightMap[n] = name;
      total += t.data.byteLength;
    }
    writeSafetensors(path.join(dir, name), part, { format: 'pt' });
  }
  const index = path.join(dir, 'model.safetensors.index.json');
  fs.writeFileSync(index, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return index;
}

type InMemoryOptions = {
  sparsity: number;
  pattern: string;
  scope: 'global' | 'local';
  tie_mode?: 'exact' | 'threshold';
  max_sparsity_ratio_per_op?: number;
  min_sparsity_ratio_per_op?: number;
};

/** The keep masks pruneOneShot selects over the whole model, decoded to F32. */
function inMemoryMasks(tensors: Array<[string, TensorInput]>, options: InMemoryOptions): Record<string, Uint8Array> {
  const prunable = tensors.filter(([name, t]) => t.dtype !== 'I64' && t.shape.length !== 1 && name !== 'step');
  const modules: Modules = {};
  for (const [name, t] of prunable) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    modules[name] = {
      weight: tensorAsFloat32({ name, dtype: t.dtype, data: bytes }).slice(),
      shape: t.shape as number[],
    };
  }
  return pruneOneShot(modules, { ...options, on_non_finite: 'error' }).masks;
}

/** What the in-memory path writes: pruneOneShot's masks, the pruned elements zeroed in the raw bytes. */
function inMemory(tensors: Array<[string, TensorInput]>, options: InMemoryOptions): Map<string, Buffer> {
  const masks = inMemoryMasks(tensors, options);
  const out = new Map<string, Buffer>();
  for (const [name, t] of tensors) {
    const bytes = Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    const keep = masks[name];
    if (keep !== undefined) {
      const size = bytes.length / keep.length;
      for (let i = 0; i < keep.length; i++) if (keep[i] === 0) bytes.fill(0, i * size, (i + 1) * size);
    }
    out.set(name, bytes);
  }
  return out;
}

/** Every tensor of a sharded output, by name, read with the whole-file reader. */
function readShardedOutput(dir: string): Map<string, Buffer> {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
  const out = new Map<string, Buffer>();
  for (const shard of new Set(Object.values(index.weight_map) as string[]))
    for (const [name, t] of readSafetensors(path.join(dir, shard)).tensors) out.set(name, Buffer.from(t.data));
  return out;
}

const CASES = [
  { sparsity: 0.9, pattern: '4x1', scope: 'global' as const },
  { sparsity: 0.5, pattern: '2:4', scope: 'global' as const },
  { sparsity: 0.3, pattern: '2:4', scope: 'global' as const },
  { sparsity: 0.7, pattern: '1x1', scope: 'local' as const },
  { sparsity: 0.6, pattern: '1x1', scope: 'global' as const },
  {
    sparsity: 0.8,
    pattern: '2x2',
    scope: 'global' as const,
    tie_mode: 'threshold' as const,
    max_sparsity_ratio_per_op: 0.85,
    min_sparsity_ratio_per_op: 0.1,
  },
];

describe.each(CASES)('$pattern $scope at $sparsity: the streamed output equals the in-memory path bit for bit', (c) => {
  const flags = ['--sparsity', String(c.sparsity), '--pattern', c.pattern, '--scope', c.scope, '--json'];
  if ('tie_mode' in c)
    flags.push(
      '--tie-mode',
      c.tie_mode as string,
      '--max-per-layer',
      String(c.max_sparsity_ratio_per_op),
      '--min-per-layer',
      String(c.min_sparsity_ratio_per_op),
    );

  test.each([
    ['scores held', undefined],
    ['histogram rounds, re-reading the model (PRUNEKIT_SCORE_BUDGET=0)', '0'],
  ])('one file, %s', async (_, budget) => {
    const tensors = modelTensors();
    const model = tmp.file('model.safetensors');
    writeSafetensors(model, tensors);
    const out = tmp.file('out.safetensors');
    const r = await runCli(['prune', model, '-o', out, ...flags], {
      env: budget === undefined ? {} : { PRUNEKIT_SCORE_BUDGET: budget },
    });
    expect(r.stderr).toBe('');
    const expected = inMemory(tensors, c);
    const got = readSafetensors(out).tensors;
    expect([...got.keys()]).toEqual(tensors.map(([n]) => n));
    for (const [name, bytes] of expected) expect(Buffer.from(got.get(name)!.data).equals(bytes)).toBe(true);
  });

  test('three shards, written back as three shards with the same index', async () => {
    const tensors = modelTensors();
    const index = writeSharded(tmp.file('in'), tensors, 3);
    const out = tmp.file('out');
    const r = await runCli(['prune', path.dirname(index), '-o', out, ...flags], {
      env: { PRUNEKIT_SCORE_BUDGET: '0' },
    });
    expect(r.stderr).toBe('');
    expect(fs.readdirSync(out).sort()).toEqual(fs.readdirSync(tmp.file('in')).sort());
    const inIndex = JSON.parse(fs.readFileSync(index, 'utf8'));
    const outIndex = JSON.parse(fs.readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(outIndex.weight_map).toEqual(inIndex.weight_map);
    expect(Object.keys(outIndex.weight_map)).toEqual(Object.keys(inIndex.weight_map));
    expect(outIndex.metadata.total_size).toBe(inIndex.metadata.total_size);
    expect(JSON.parse(outIndex.metadata.prunekit_pruned)).toMatchObject({
      sparsity: c.sparsity,
      pattern: c.pattern,
      scope: c.scope,
    });
    // Each shard: the same tensors in the same order and dtype, the input's metadata kept.
    for (const shard of new Set(Object.values(inIndex.weight_map) as string[])) {
      const a = readSafetensors(path.join(tmp.file('in'), shard));
      const b = readSafetensors(path.join(out, shard));
      expect([...b.tensors.values()].map((t) => [t.name, t.dtype, t.shape])).toEqual(
        [...a.tensors.values()].map((t) => [t.name, t.dtype, t.shape]),
      );
      expect(b.metadata.format).toBe('pt');
    }
    const expected = inMemory(tensors, c);
    const got = readShardedOutput(out);
    for (const [name, bytes] of expected) expect(got.get(name)!.equals(bytes)).toBe(true);
    // The report's totals are the zeros a reader counts.
    expect(JSON.parse(r.stdout).total.pruned).toBeGreaterThan(0);
  });
});

/**
 * 16-bit weights with many exact ties (few magnitudes, both signs, +-0): BF16 and F16 2-D weights, which the
 * native 16-bit path prunes (magnitude, 2:4 at 0.5, NxM local), a 4-D BF16 one it leaves to the general path.
 */
function halfModel(): Array<[string, TensorInput]> {
  const next = rng(11);
  const half = (dtype: 'BF16' | 'F16', shape: number[], magnitudes: number[]): TensorInput => {
    const n = shape.reduce((a, d) => a * d, 1);
    const data = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const m = magnitudes[Math.floor(((next() + 1) / 2) * magnitudes.length) % magnitudes.length];
      data[i] = m | (next() < 0 ? 0x8000 : 0);
    }
    return { dtype, shape, data };
  };
  // BF16 0, 0.25, 0.5, 1, 1.5 and a denormal; F16 0, 0.25, 0.5, 1, 1.5, a denormal and 65504 (the largest).
  const bf = [0x0000, 0x3e80, 0x3f00, 0x3f80, 0x3fc0, 0x0001];
  const f = [0x0000, 0x3400, 0x3800, 0x3c00, 0x3e00, 0x0001, 0x7bff];
  return [
    ['a.weight', half('BF16', [16, 32], bf)],
    ['a.bias', half('BF16', [16], bf)],
    ['b.weight', half('F16', [24, 16], f)],
    ['conv.weight', half('BF16', [8, 4, 2, 2], bf)],
    ['c.weight', half('F16', [8, 40], f.slice(0, 3))],
  ];
}

const HALF_CASES = [
  { sparsity: 0.5, pattern: '2:4', scope: 'local' as const, tie_mode: 'exact' as const },
  { sparsity: 0.5, pattern: '2:4', scope: 'global' as const, tie_mode: 'threshold' as const, twoD: true },
  { sparsity: 0.9, pattern: '4x1', scope: 'local' as const, tie_mode: 'exact' as const },
  { sparsity: 0.9, pattern: '4x1', scope: 'local' as const, tie_mode: 'threshold' as const },
  { sparsity: 0.6, pattern: '2x2', scope: 'local' as const, tie_mode: 'exact' as const },
  { sparsity: 0.7, pattern: '1x1', scope: 'local' as const, tie_mode: 'threshold' as const },
  { sparsity: 0.9, pattern: '4x1', scope: 'global' as const, tie_mode: 'exact' as const, twoD: true },
  { sparsity: 0.9, pattern: '4x1', scope: 'global' as const, tie_mode: 'exact' as const, budget: '0', twoD: true },
  { sparsity: 0.7, pattern: '2x2', scope: 'global' as const, tie_mode: 'threshold' as const, twoD: true },
  { sparsity: 0.7, pattern: '2x2', scope: 'global' as const, tie_mode: 'threshold' as const, budget: '0', twoD: true },
  { sparsity: 0.6, pattern: '1x1', scope: 'global' as const, tie_mode: 'exact' as const, budget: '0', twoD: true },
  // A budget one unit short of holding the scores: by rounds, each search's boundary bucket held ("narrow").
  { sparsity: 0.9, pattern: '4x1', scope: 'global' as const, tie_mode: 'exact' as const, budget: 'narrow', twoD: true },
  {
    sparsity: 0.7,
    pattern: '2x2',
    scope: 'global' as const,
    tie_mode: 'threshold' as const,
    budget: 'narrow',
    twoD: true,
  },
  { sparsity: 0.6, pattern: '1x1', scope: 'global' as const, tie_mode: 'exact' as const, budget: 'narrow', twoD: true },
  { sparsity: 0.7, pattern: '2x2', scope: 'global' as const, tie_mode: 'exact' as const, budget: 'narrow' },
  { sparsity: 0.6, pattern: '1x1', scope: 'global' as const, tie_mode: 'threshold' as const, budget: 'narrow' },
  // With the 4-D weight: the general path, by histogram rounds over the F32 scores (budget 0).
  { sparsity: 0.7, pattern: '2x2', scope: 'global' as const, tie_mode: 'threshold' as const, budget: '0' },
  { sparsity: 0.7, pattern: '2x2', scope: 'global' as const, tie_mode: 'exact' as const, budget: '0' },
  { sparsity: 0.6, pattern: '1x1', scope: 'global' as const, tie_mode: 'threshold' as const, budget: '0' },
  // Caps and the min budget freeze layers (INC's adjust_ratio), held and by rounds, both tie modes.
  ...(['threshold', 'exact'] as const).flatMap((tie_mode) =>
    [undefined, '0', 'narrow'].flatMap((budget) =>
      [
        { sparsity: 0.8, pattern: '2x2', max_sparsity_ratio_per_op: 0.85, min_sparsity_ratio_per_op: 0.3 },
        { sparsity: 0.5, pattern: '4x1', max_sparsity_ratio_per_op: 0.6, min_sparsity_ratio_per_op: 0.45 },
      ].flatMap((c) =>
        // Without twoD the 4-D weight sends every tensor to the general path; with it, the 16-bit path.
        [{}, { twoD: true }].map((d) => ({
          ...c,
          ...d,
          scope: 'global' as const,
          tie_mode,
          ...(budget === undefined ? {} : { budget }),
        })),
      ),
    ),
  ),
];

/**
 * PRUNEKIT_SCORE_BUDGET for a case: as given, or for 'narrow' 4 bytes short of the scores global scope would
 * hold (the 16-bit path holds a score per block of the 2-D weights; the general path, with the 4-D weight,
 * one per element), so the selection runs by rounds and every boundary bucket (never all units) fits.
 */
function budgetOf(budget: string, tensors: Array<[string, TensorInput]>, c: { pattern: string }): string {
  if (budget !== 'narrow') return budget;
  const weights = tensors.filter(([, t]) => t.shape.length > 1);
  const elements = weights.reduce((n, [, t]) => n + t.shape.reduce((a, d) => a * d, 1), 0);
  const sixteenBit = weights.every(([, t]) => t.shape.length === 2);
  const [bn, bm] = c.pattern.split('x').map(Number);
  return String(4 * (sixteenBit ? elements / (bn * bm) : elements) - 4);
}

test.each(HALF_CASES)(
  'BF16 and F16 with ties, $pattern $scope at $sparsity ($tie_mode, score budget $budget, 2-D only $twoD): the output and the report equal the in-memory path',
  async (c) => {
    // Global scope: 2-D weights only, so the 16-bit path ranks them all (a 4-D one sends all to the general path).
    const tensors = halfModel().filter(([, t]) => !('twoD' in c) || t.shape.length !== 4);
    const model = tmp.file('model.safetensors');
    writeSafetensors(model, tensors);
    const out = tmp.file('out.safetensors');
    const flags = ['--sparsity', String(c.sparsity), '--pattern', c.pattern, '--scope', c.scope, '--json'];
    flags.push('--tie-mode', c.tie_mode);
    if ('max_sparsity_ratio_per_op' in c) flags.push('--max-per-layer', String(c.max_sparsity_ratio_per_op));
    if ('min_sparsity_ratio_per_op' in c) flags.push('--min-per-layer', String(c.min_sparsity_ratio_per_op));
    const env = 'budget' in c ? { PRUNEKIT_SCORE_BUDGET: budgetOf(c.budget as string, tensors, c) } : {};
    const r = await runCli(['prune', model, '-o', out, ...flags], { env });
    expect(r.stderr).toBe('');
    const expected = inMemory(tensors, c);
    const got = readSafetensors(out).tensors;
    for (const [name, bytes] of expected)
      expect([name, Buffer.from(got.get(name)!.data).equals(bytes)]).toEqual([name, true]);
    // The report: sparsityReport over pruneOneShot's masks (not the zeros of the output: a weight may be 0).
    const report = JSON.parse(r.stdout);
    const want = sparsityReport(
      tensors
        .filter(([, t]) => t.shape.length !== 1)
        .map(([name, t]) => ({
          name,
          shape: t.shape as number[],
          keep: inMemoryMasks(tensors, c)[name],
          pattern: parsePattern(c.pattern),
        })),
    );
    expect(
      report.layers.map((l: { name: string; pruned: number; pruned_blocks: number; blocks: number }) => [
        l.name,
        l.pruned,
        l.blocks,
        l.pruned_blocks,
      ]),
    ).toEqual(want.layers.map((l) => [l.name, l.pruned, l.blocks, l.prunedBlocks]));
    expect(report.total.pruned).toBe(want.pruned);
  },
);

test.each([
  ['2:4', 'local', undefined],
  ['4x1', 'local', undefined],
  ['4x1', 'global', undefined],
  ['4x1', 'global', '0'],
])(
  'Inf and NaN in BF16/F16 weights, %s %s (score budget %s): exit 1 naming each tensor and its count, no output',
  async (pattern, scope, budget) => {
    const tensors = halfModel().filter(([, t]) => t.shape.length === 2);
    const a = tensors[0][1].data as Uint16Array; // BF16 [16, 32]
    a[3] = 0x7f80; // +Inf
    a[40] = 0xffc1; // a NaN
    const c = tensors[2][1].data as Uint16Array; // F16 [8, 40]
    c[7] = 0xfc00; // -Inf
    const model = tmp.file('model.safetensors');
    writeSafetensors(model, tensors);
    const out = tmp.file('out.safetensors');
    const flags = ['--sparsity', pattern === '2:4' ? '0.5' : '0.9', '--pattern', pattern, '--scope', scope];
    const r = await runCli(['prune', model, '-o', out, ...flags], {
      env: budget === undefined ? {} : { PRUNEKIT_SCORE_BUDGET: budget },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /NaN or Inf scores \(magnitude\) in tensor "a.weight" \(2 of them\).*"c.weight" \(1 of them\)/,
    );
    expect(fs.existsSync(out)).toBe(false);
  },
);

test('info on a sharded checkpoint: every tensor with its shard, the totals and the metadata', async () => {
  const index = writeSharded(tmp.file('in'), modelTensors(), 3);
  const r = await runCli(['info', index, '--json']);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.kind).toBe('sharded');
  expect(report.shards).toHaveLength(3);
  expect(report.tensors.map((t: { name: string }) => t.name)).toEqual(modelTensors().map(([n]) => n));
  expect(report.tensors[3]).toMatchObject({
    name: 'conv.weight',
    dtype: 'F32',
    shape: [8, 4, 2, 2],
    bytes: 512,
    shard: 'model-00002-of-00003.safetensors',
    zeros: 0,
  });
  expect(report.metadata.total_size).toBe(report.total.bytes);
  // After pruning: the sparsity info counts and prunekit's record.
  const out = tmp.file('out');
  expect((await runCli(['prune', tmp.file('in'), '-o', out, '--sparsity', '0.5', '--pattern', '1x1'])).code).toBe(0);
  const after = JSON.parse((await runCli(['info', out, '--json'])).stdout);
  expect(after.prunekit_pruned).toMatchObject({ sparsity: 0.5, pattern: '1x1' });
  const l1 = after.tensors.find((t: { name: string }) => t.name === 'l1.weight');
  expect(l1.zeros).toBe(
    readSafetensors(path.join(out, 'model-00002-of-00003.safetensors')).tensors.get('l1.weight')!.data.length / 4 -
      [
        ...tensorAsFloat32(
          readSafetensors(path.join(out, 'model-00002-of-00003.safetensors')).tensors.get('l1.weight')!,
        ),
      ].filter((x) => x !== 0).length,
  );
  const text = (await runCli(['info', out])).stdout;
  expect(text).toContain('3 shards, 8 tensors');
  expect(text).toContain('pruned by prunekit');
});

test('score on a sharded checkpoint writes F32 scores in the same shards, with an index', async () => {
  const index = writeSharded(tmp.file('in'), modelTensors(), 3);
  const out = tmp.file('scores');
  const r = await runCli(['score', index, '-c', 'magnitude', '-o', out, '--json']);
  expect(r.stderr).toBe('');
  const outIndex = JSON.parse(fs.readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8'));
  expect(Object.keys(outIndex.weight_map)).toHaveLength(7); // every floating tensor; step is I64
  const l2 = readSafetensors(path.join(out, outIndex.weight_map['l2.weight'])).tensors.get('l2.weight')!;
  const w = tensorAsFloat32({
    dtype: 'BF16',
    data: readSafetensors(path.join(tmp.file('in'), outIndex.weight_map['l2.weight'])).tensors.get('l2.weight')!.data,
  });
  expect(Array.from(tensorAsFloat32(l2))).toEqual(Array.from(w).map(Math.abs));
  expect(outIndex.metadata.total_size).toBe([...readShardedOutput(out).values()].reduce((n, b) => n + b.length, 0));
});

describe('bad input: a clear error naming the file and tensor, exit 1, nothing left behind, inputs unchanged', () => {
  /** Runs prune, expects exit 1 with `message`, no output and no temporary next to it. */
  async function fails(args: string[], message: RegExp, out = tmp.file('out')): Promise<void> {
    const before = snapshot(tmp.dir);
    const r = await runCli(['prune', ...args, '-o', out, '--sparsity', '0.5']);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(snapshot(tmp.dir)).toEqual(before);
  }
  /** Every file under dir with its bytes' hash. */
  function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
      const full = path.join(dir, entry);
      const st = fs.lstatSync(full);
      out[entry] = st.isFile()
        ? require('node:crypto').createHash('sha1').update(fs.readFileSync(full)).digest('hex')
        : st.isFIFO()
          ? 'fifo'
          : 'dir';
    }
    return out;
  }

  test('a truncated shard', async () => {
    const index = writeSharded(tmp.file('in'), modelTensors(), 3);
    const shard = path.join(tmp.file('in'), 'model-00002-of-00003.safetensors');
    fs.truncateSync(shard, fs.statSync(shard).size - 10);
    await fails(
      [index],
      /model-00002-of-00003\.safetensors: tensor "l1\.weight": data_offsets end \d+ is beyond the end of the data buffer.*truncated/,
    );
  });

  test('an index naming a missing shard', async () => {
    const index = writeSharded(tmp.file('in'), modelTensors(), 3);
    fs.rmSync(path.join(tmp.file('in'), 'model-00003-of-00003.safetensors'));
    await fails(
      [index],
      /model\.safetensors\.index\.json: names shard model-00003-of-00003\.safetensors, which does not exist .*"l2\.weight"/,
    );
  });

  test('a tensor in two shards', async () => {
    const tensors = modelTensors();
    const index = writeSharded(tmp.file('in'), tensors, 3);
    writeSafetensors(path.join(tmp.file('in'), 'model-00003-of-00003.safetensors'), [
      tensors[6],
      tensors[7],
      tensors[0],
    ]);
    await fails(
      [index],
      /tensor "embed\.weight": tensor is in two shards: model-00001-of-00003\.safetensors and model-00003-of-00003\.safetensors/,
    );
  });

  test('a shard holding a tensor the index does not name', async () => {
    const tensors = modelTensors();
    const index = writeSharded(tmp.file('in'), tensors, 3);
    writeSafetensors(path.join(tmp.file('in'), 'model-00003-of-00003.safetensors'), [
      tensors[6],
      tensors[7],
      ['extra', tensors[7][1]],
    ]);
    await fails(
      [index],
      /model-00003-of-00003\.safetensors: tensor "extra": holds a tensor the index model\.safetensors\.index\.json does not name/,
    );
  });

  test('an index naming a tensor its shard does not hold', async () => {
    const tensors = modelTensors();
    const index = writeSharded(tmp.file('in'), tensors, 3);
    writeSafetensors(path.join(tmp.file('in'), 'model-00003-of-00003.safetensors'), [tensors[6]]);
    await fails(
      [index],
      /tensor "norm\.weight": names this tensor in shard model-00003-of-00003\.safetensors, which does not hold it/,
    );
  });

  test('an index whose shard name leaves its folder', async () => {
    const index = writeSharded(tmp.file('in'), modelTensors(), 8);
    const text = JSON.parse(fs.readFileSync(index, 'utf8'));
    text.weight_map['l0.weight'] = '../model-00001-of-00001.safetensors';
    fs.writeFileSync(index, JSON.stringify(text));
    await fails(
      [index],
      /tensor "l0\.weight": weight_map names shard "\.\.\/model-00001-of-00001\.safetensors", which is not a plain file name/,
    );
  });

  test('an output folder that exists and is not empty', async () => {
    const index = writeSharded(tmp.file('in'), modelTensors(), 3);
    fs.mkdirSync(tmp.file('out'));
    fs.writeFileSync(tmp.file('out/keep.txt'), 'mine');
    await fails([index], /cannot write .*out: is a folder that is not empty \(1 entries, e\.g\. keep\.txt\)/);
    expect(fs.readFileSync(tmp.file('out/keep.txt'), 'utf8')).toBe('mine');
  });

  test('an empty output folder is filled', async () => {
    const index = writeSharded(tmp.file('in'), modelTensors(), 3);
    fs.mkdirSync(tmp.file('out'));
    expect((await runCli(['prune', index, '-o', tmp.file('out'), '--sparsity', '0.5'])).code).toBe(0);
    expect(fs.readdirSync(tmp.file('out'))).toHaveLength(4);
  });

  test('inputs that are not regular files: /dev/zero, a folder without a checkpoint, a FIFO', async () => {
    const r = await runCli(['score', '/dev/zero', '-c', 'magnitude', '-o', tmp.file('s.safetensors')]);
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'prunekit score: the model file is not valid safetensors: /dev/zero: is a character device, not a regular file\n',
    });
    fs.mkdirSync(tmp.file('empty'));
    await fails(
      [tmp.file('empty')],
      /empty: is a folder with no \*\.safetensors\.index\.json and no \.safetensors file/,
    );
    execFileSync('mkfifo', [tmp.file('pipe')]);
    await fails([tmp.file('pipe')], /pipe: is a FIFO \(named pipe\), not a regular file/, tmp.file('o.safetensors'));
  });

  test('safetensors offsets written 4.0 or 4e0 (1e3-style) are refused, as the reference reader does', async () => {
    for (const offset of ['4.0', '4e0']) {
      const header = `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,${offset}]}}`;
      const bytes = Buffer.alloc(8 + header.length + 4);
      bytes.writeBigUInt64LE(BigInt(header.length));
      bytes.write(header, 8);
      fs.writeFileSync(tmp.file('bad.safetensors'), bytes);
      await fails(
        [tmp.file('bad.safetensors')],
        new RegExp(
          `tensor "w": data_offsets end must be a non-negative integer, got the number ${offset} \\(integers only`,
        ),
        tmp.file('o.safetensors'),
      );
    }
  });

  test('--masks in an unwritable place: fails before the model is written', async () => {
    const model = tmp.file('model.safetensors');
    writeSafetensors(model, modelTensors());
    const r = await runCli([
      'prune',
      model,
      '-o',
      tmp.file('out.safetensors'),
      '--sparsity',
      '0.5',
      '--masks',
      tmp.file('no/such/masks.safetensors'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/masks\.safetensors/);
    expect(fs.existsSync(tmp.file('out.safetensors'))).toBe(false);
    expect(fs.readdirSync(tmp.dir)).toEqual(['model.safetensors']);
  });

  test('a file size limit (ulimit -f, EFBIG) while writing: exit 1 naming the output, no partial file', () => {
    const model = tmp.file('model.safetensors');
    const big = Array.from(
      { length: 4 },
      (_, i) =>
        [`w${i}`, { dtype: 'F32', shape: [256, 256], data: new Float32Array(65536).fill(i + 1) }] as [
          string,
          TensorInput,
        ],
    );
    writeSafetensors(model, big);
    const main = path.resolve(__dirname, '../../dist/lib/cli/main.js');
    if (!fs.existsSync(main)) return; // the spawned tests need the built CLI (npm run build:ts)
    const out = tmp.file('out.safetensors');
    // 1 MiB limit (ulimit -f counts 1024-byte blocks here); the model is 1 MiB + header. SIGXFSZ is ignored so write() returns EFBIG.
    const child = spawnSync(
      'bash',
      [
        '-c',
        `trap '' XFSZ; ulimit -f 1024; exec node ${JSON.stringify(main)} prune ${JSON.stringify(model)} -o ${JSON.stringify(out)} --sparsity 0.5 --pattern 1x1`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toMatch(
      /cannot write .*out\.safetensors: the file is larger than allowed \(ulimit -f; nothing was written\)/,
    );
    expect(child.status).toBe(1);
    expect(fs.readdirSync(tmp.dir)).toEqual(['model.safetensors']);
  });

  test('a full disk (ENOSPC, a 1 MiB tmpfs when mount works here): exit 1 naming the output, nothing left on it', async () => {
    const mnt = tmp.file('small');
    fs.mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) return; // not root, or no mount here
    try {
      const model = tmp.file('model.safetensors');
      const big = Array.from(
        { length: 4 },
        (_, i) =>
          [`w${i}`, { dtype: 'F32', shape: [256, 256], data: new Float32Array(65536).fill(i + 1) }] as [
            string,
            TensorInput,
          ],
      );
      writeSafetensors(model, big);
      const out = path.join(mnt, 'out.safetensors');
      const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '--pattern', '1x1']);
      expect(r).toMatchObject({
        code: 1,
        stderr: `prunekit prune: cannot write ${out}: no space left on the device (nothing was written)\n`,
      });
      expect(fs.readdirSync(mnt)).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  test('a temporary left by a killed run is removed by the next run', async () => {
    const model = tmp.file('model.safetensors');
    writeSafetensors(model, modelTensors());
    // pid 2^22 + 1 is above Linux's default pid_max, so no live process owns it.
    fs.writeFileSync(tmp.file('out.safetensors.tmp-4194305'), 'half-written');
    expect((await runCli(['prune', model, '-o', tmp.file('out.safetensors'), '--sparsity', '0.5'])).code).toBe(0);
    expect(fs.readdirSync(tmp.dir).sort()).toEqual(['model.safetensors', 'out.safetensors']);
  });
});
