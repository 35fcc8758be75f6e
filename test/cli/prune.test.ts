// `prunekit prune`: the written model (pruned positions, untouched bytes, dtypes, metadata), the masks, the
// reports against what a reader counts, hand-computed selections, and the errors.
import * as fs from 'node:fs';
import {
  type SafetensorsTensor,
  readSafetensors,
  tensorAsFloat32,
  type TensorInput,
  writeSafetensors,
} from '../../lib/io';
import { f32, fakeTerminal, half, runCli, tempDir, writeModel } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let model: string;
let out: string;

/** A small deterministic generator (LCG), so the model is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** F16 bits of k/1024 for 1 <= k <= 2048 (exact: at most 11 significant bits, a normal F16). */
function f16Bits(v: number): number {
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const mant = (a / 2 ** e - 1) * 1024;
  if (!Number.isInteger(mant)) throw new Error(`test: ${v} is not exact in F16`);
  return sign | ((e + 15) << 10) | mant;
}

/** BF16 bits of a value exact in BF16 (the upper half of its F32 bits). */
function bf16Bits(v: number): number {
  const bits = new Uint32Array(new Float32Array([v]).buffer)[0];
  if ((bits & 0xffff) !== 0) throw new Error(`test: ${v} is not exact in BF16`);
  return bits >>> 16;
}

// The prunable tensors' magnitudes are distinct values k/1024, shuffled across tensors so that a global
// ranking mixes them (no tensor reaches the 0.98 cap); the BF16 tensor gets multiples of 8/1024 (exact in BF16).
const PRUNABLE = ['fc.weight', 'conv.weight', 'emb.weight', 'head.weight', 'odd.weight'];
function makeModel(file: string): string {
  const random = rng(12345);
  const others = shuffle(
    Array.from({ length: 294 }, (_, i) => i + 1).filter((k) => k % 8 !== 0 || k > 256),
    random,
  );
  const eights = shuffle(
    Array.from({ length: 32 }, (_, i) => 8 * (i + 1)),
    random,
  );
  const take = (pool: number[], n: number) => pool.splice(0, n).map((k) => (random() < 0.5 ? -k : k) / 1024);
  return writeModel(file, [
    ['fc.weight', f32([8, 16], take(others, 128))],
    ['fc.bias', f32([8], take(others, 8))],
    ['conv.weight', f32([4, 2, 2, 2], take(others, 32))],
    ['emb.weight', half('F16', [8, 8], take(others, 64).map(f16Bits))],
    ['head.weight', half('BF16', [4, 8], take(eights, 32).map(bf16Bits))],
    ['odd.weight', f32([6, 5], take(others, 30))], // 4x1 and 2:4 do not divide it, 1x1 does
    ['step', { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) }],
  ]);
}
const ALL = ['fc.weight', 'fc.bias', 'conv.weight', 'emb.weight', 'head.weight', 'odd.weight', 'step'];
const ELEMENT_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1 };

beforeEach(() => {
  tmp = tempDir();
  out = tmp.file('pruned.safetensors');
  model = makeModel(tmp.file('model.safetensors'));
});
afterEach(() => tmp.cleanup());

/** Index in the weight's buffer of element (row, col) of its 2-D view ([cout, kh*kw*cin] for a conv). */
function viewIndex(shape: number[], row: number, col: number): number {
  if (shape.length === 2) return row * shape[1] + col;
  const [, cin, kh, kw] = shape;
  const c = col % cin;
  const hw = Math.floor(col / cin);
  return ((row * cin + c) * kh + Math.floor(hw / kw)) * kw + (hw % kw);
}
function viewDims(shape: number[]): [number, number] {
  return shape.length === 2 ? [shape[0], shape[1]] : [shape[0], shape[1] * shape[2] * shape[3]];
}

/** Per element: whether the output zeroed it. Also checks that kept elements are bit for bit the input's. */
function prunedPositions(before: SafetensorsTensor, after: SafetensorsTensor): boolean[] {
  const size = ELEMENT_SIZE[before.dtype];
  const zero: boolean[] = [];
  for (let i = 0; i < before.data.length / size; i++) {
    const a = before.data.subarray(i * size, (i + 1) * size);
    const b = after.data.subarray(i * size, (i + 1) * size);
    const isZero = b.every((x) => x === 0);
    if (!isZero) expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    zero.push(isZero);
  }
  return zero;
}

async function prune(extra: string[]) {
  const r = await runCli(['prune', model, '-o', out, '--json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const CASES: Array<{ label: string; args: string[]; pruned: string[] }> = [
  {
    label: '4x1 global',
    args: ['--sparsity', '0.5', '--pattern', '4x1'],
    pruned: ['fc.weight', 'conv.weight', 'emb.weight', 'head.weight'],
  },
  {
    label: '2:4 global',
    args: ['--sparsity', '0.5', '--pattern', '2:4'],
    pruned: ['fc.weight', 'conv.weight', 'emb.weight', 'head.weight'],
  },
  { label: '1x1 local', args: ['--sparsity', '0.5', '--pattern', '1x1', '--scope', 'local'], pruned: PRUNABLE },
];

describe.each(CASES)('$label at 0.5', ({ args, pruned }) => {
  test('every tensor is written back in order and dtype; the reports equal the zeros a reader counts', async () => {
    const report = await prune([...args, '--masks', tmp.file('masks.safetensors')]);
    const input = readSafetensors(model);
    const written = readSafetensors(out);
    expect([...written.tensors.keys()]).toEqual(ALL);
    expect(report.layers.map((l: { name: string }) => l.name)).toEqual(pruned);

    let zeros = 0;
    let elements = 0;
    for (const name of ALL) {
      const before = input.tensors.get(name)!;
      const after = written.tensors.get(name)!;
      expect(after.dtype).toBe(before.dtype);
      expect(after.shape).toEqual(before.shape);
      if (!pruned.includes(name)) {
        expect(Buffer.from(after.data).equals(Buffer.from(before.data))).toBe(true);
        continue;
      }
      const z = prunedPositions(before, after).filter(Boolean).length;
      const layer = report.layers.find((l: { name: string }) => l.name === name);
      expect(layer).toMatchObject({
        shape: before.shape,
        dtype: before.dtype,
        elements: before.data.length / ELEMENT_SIZE[before.dtype],
        pruned: z,
      });
      expect(layer.sparsity).toBe(z / layer.elements);
      zeros += z;
      elements += layer.elements;
    }
    expect(report.total).toMatchObject({ elements, pruned: zeros, sparsity: zeros / elements });
    expect(zeros / elements).toBe(0.5); // every case here reaches the target exactly

    // The masks: U8, named and shaped like the weights, 0 exactly where the output has a zero.
    const masks = readSafetensors(tmp.file('masks.safetensors'));
    expect([...masks.tensors.keys()]).toEqual(pruned);
    for (const name of pruned) {
      const mask = masks.tensors.get(name)!;
      expect(mask.dtype).toBe('U8');
      expect(mask.shape).toEqual(input.tensors.get(name)!.shape);
      const zero = prunedPositions(input.tensors.get(name)!, written.tensors.get(name)!);
      expect([...mask.data]).toEqual(zero.map((z) => (z ? 0 : 1)));
    }
  });

  test('the metadata of the model is kept and the options are added', async () => {
    const withMeta = tmp.file('meta.safetensors');
    const input = readSafetensors(model);
    writeSafetensors(
      withMeta,
      [...input.tensors.values()].map((t) => [t.name, t] as [string, TensorInput]),
      { format: 'pt', note: 'x' },
    );
    const r = await runCli(['prune', withMeta, '-o', out, ...args]);
    expect(r.code).toBe(0);
    const { metadata } = readSafetensors(out);
    expect(Object.keys(metadata)).toEqual(['format', 'note', 'prunekit_pruned']);
    expect(metadata.format).toBe('pt');
    const options = JSON.parse(metadata.prunekit_pruned);
    expect(options).toMatchObject({
      sparsity: 0.5,
      pattern: args[3],
      criterion: 'magnitude',
      criterion_reduce_type: 'mean',
      tie_mode: 'exact',
      max_sparsity_ratio_per_op: 0.98,
      min_sparsity_ratio_per_op: 0,
      include: [],
      exclude: [],
    });
    expect(options.scope).toBe(args.includes('local') ? 'local' : 'global');
  });
});

/** Decoded |w| of a tensor (F16/BF16 exactly). */
const magnitudes = (t: SafetensorsTensor) => Array.from(tensorAsFloat32(t), Math.abs);

test('1x1 local: in every tensor, the pruned elements are exactly the floor(n/2) smallest |w|', async () => {
  await prune(['--sparsity', '0.5', '--pattern', '1x1', '--scope', 'local']);
  const input = readSafetensors(model);
  const written = readSafetensors(out);
  for (const name of PRUNABLE) {
    const m = magnitudes(input.tensors.get(name)!);
    const order = m.map((_, i) => i).sort((a, b) => m[a] - m[b] || a - b);
    const expected = new Set(order.slice(0, Math.floor(m.length / 2)));
    const zero = prunedPositions(input.tensors.get(name)!, written.tensors.get(name)!);
    expect(zero).toEqual(m.map((_, i) => expected.has(i)));
  }
});

test('4x1 global: whole 4x1 blocks of the 2-D view are pruned, and no kept block has a smaller mean |w| than a pruned one', async () => {
  await prune(['--sparsity', '0.5', '--pattern', '4x1']);
  const input = readSafetensors(model);
  const written = readSafetensors(out);
  const prunedScores: number[] = [];
  const keptScores: number[] = [];
  for (const name of ['fc.weight', 'conv.weight', 'emb.weight', 'head.weight']) {
    const t = input.tensors.get(name)!;
    const m = magnitudes(t);
    const zero = prunedPositions(t, written.tensors.get(name)!);
    const [rows, cols] = viewDims(t.shape);
    for (let br = 0; br < rows; br += 4)
      for (let c = 0; c < cols; c++) {
        const idx = [0, 1, 2, 3].map((r) => viewIndex(t.shape, br + r, c));
        const states = new Set(idx.map((i) => zero[i]));
        expect(states.size).toBe(1); // all four pruned or all four kept
        const mean = idx.reduce((s, i) => s + m[i], 0) / 4;
        (zero[idx[0]] ? prunedScores : keptScores).push(mean);
      }
  }
  expect(prunedScores.length).toBe(32); // floor(0.5 * 64 blocks)
  expect(Math.max(...prunedScores)).toBeLessThanOrEqual(Math.min(...keptScores));
});

test('2:4: in each group of 4 consecutive input-axis weights, the 2 smallest |w| are pruned', async () => {
  await prune(['--sparsity', '0.5', '--pattern', '2:4']);
  const input = readSafetensors(model);
  const written = readSafetensors(out);
  for (const name of ['fc.weight', 'conv.weight', 'emb.weight', 'head.weight']) {
    const t = input.tensors.get(name)!;
    const m = magnitudes(t);
    const zero = prunedPositions(t, written.tensors.get(name)!);
    const [rows, cols] = viewDims(t.shape);
    for (let r = 0; r < rows; r++)
      for (let g = 0; g < cols; g += 4) {
        const idx = [0, 1, 2, 3].map((j) => viewIndex(t.shape, r, g + j));
        const smallest = [...idx].sort((a, b) => m[a] - m[b]).slice(0, 2);
        expect(idx.filter((i) => zero[i]).sort()).toEqual(smallest.sort());
      }
  }
});

describe('hand-computed', () => {
  test('a [4, 4] weight, 1x1 local 0.5: the 8 smallest |w| become +0, the rest stay', async () => {
    const tiny = writeModel(tmp.file('tiny.safetensors'), [
      ['w', f32([4, 4], [0.5, -3, 7, -1.5, 2, -6, 0.25, 8, -4, 1, -7.5, 3.5, 6.5, -0.75, 5, -2.5])],
    ]);
    const r = await runCli(['prune', tiny, '-o', out, '--sparsity', '0.5', '--pattern', '1x1', '--scope', 'local']);
    expect(r.code).toBe(0);
    const w = tensorAsFloat32(readSafetensors(out).tensors.get('w')!);
    expect(Array.from(w)).toEqual([0, 0, 7, 0, 0, -6, 0, 8, -4, 0, -7.5, 3.5, 6.5, 0, 5, 0]);
    expect(
      Array.from(w)
        .filter((x) => x === 0)
        .every((x) => Object.is(x, 0)),
    ).toBe(true); // +0, not -0
  });

  // Columns of a [4, 2] weight are the two 4x1 blocks: column 0 holds the largest weight but the smaller mean.
  const COLUMNS = f32([4, 2], [8, 3, 0.5, 3, 0.5, 3, 0.5, 3]);
  test.each([
    ['mean', [0, 3, 0, 3, 0, 3, 0, 3]], // means 2.375 < 3: column 0 goes
    ['sum', [0, 3, 0, 3, 0, 3, 0, 3]],
    ['max', [8, 0, 0.5, 0, 0.5, 0, 0.5, 0]], // maxima 8 > 3: column 1 goes
  ])('4x1 blocks reduced with --reduce %s', async (reduce, expected) => {
    const cols = writeModel(tmp.file('cols.safetensors'), [['w', COLUMNS]]);
    const r = await runCli(['prune', cols, '-o', out, '--sparsity', '0.5', '--reduce', reduce as string, '--json']);
    expect(r.code).toBe(0);
    expect(Array.from(tensorAsFloat32(readSafetensors(out).tensors.get('w')!))).toEqual(expected);
    expect(JSON.parse(r.stdout).layers[0]).toMatchObject({
      blocks: 2,
      pruned_blocks: 1,
      block_sparsity: 0.5,
      sparsity: 0.5,
    });
  });

  test('snip ranks by |w * g|: the gradients change which half goes', async () => {
    const w = Array.from({ length: 16 }, (_, i) => i + 1);
    const tiny = writeModel(tmp.file('tiny.safetensors'), [['w', f32([4, 4], w)]]);
    const grads = writeModel(tmp.file('grads.safetensors'), [
      [
        'w',
        half(
          'F16',
          [4, 4],
          w.map((_, i) => (i < 8 ? 0x5640 : 0x211f)),
        ),
      ],
    ]); // 100, ~0.01
    const r = await runCli([
      'prune',
      tiny,
      '-o',
      out,
      '--sparsity',
      '0.5',
      '--pattern',
      '1x1',
      '-c',
      'snip',
      '-g',
      grads,
    ]);
    expect(r.code).toBe(0);
    // |w*g|: 100..800 for the first eight, about 0.09..0.16 for the last eight, which go (magnitude would prune the first).
    expect(Array.from(tensorAsFloat32(readSafetensors(out).tensors.get('w')!))).toEqual([
      ...w.slice(0, 8),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    const byMagnitude = await runCli(['prune', tiny, '-o', out, '--sparsity', '0.5', '--pattern', '1x1']);
    expect(byMagnitude.code).toBe(0);
    expect(Array.from(tensorAsFloat32(readSafetensors(out).tensors.get('w')!))).toEqual([
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...w.slice(8),
    ]);
  });
});

test('--include/--exclude: unselected tensors are copied byte for byte and counted', async () => {
  const report = await prune([
    '--sparsity',
    '0.5',
    '--pattern',
    '1x1',
    '--include',
    'weight$',
    '--exclude',
    '^emb\\.',
    '--exclude',
    '^conv',
  ]);
  expect(report.layers.map((l: { name: string }) => l.name)).toEqual(['fc.weight', 'head.weight', 'odd.weight']);
  expect(report.excluded).toBe(4); // fc.bias, conv.weight, emb.weight, step
  expect(report.skipped).toEqual([]);
  const input = readSafetensors(model);
  const written = readSafetensors(out);
  for (const name of ['fc.bias', 'conv.weight', 'emb.weight', 'step'])
    expect(Buffer.from(written.tensors.get(name)!.data).equals(Buffer.from(input.tensors.get(name)!.data))).toBe(true);
  expect(JSON.parse(written.metadata.prunekit_pruned)).toMatchObject({
    include: ['weight$'],
    exclude: ['^emb\\.', '^conv'],
  });
});

test('the table: one row per pruned tensor, totals, and the tensors left dense with the reason', async () => {
  const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '--pattern', '4x1']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  const lines = r.stdout.split('\n');
  expect(lines[0].split(/\s{2,}/)).toEqual([
    'name',
    'shape',
    'pattern',
    'elements',
    'pruned',
    'sparsity',
    'block sparsity',
  ]);
  expect(lines[1].split(/\s{2,}/)).toEqual([
    'fc.weight',
    '[8, 16]',
    '4x1',
    '128',
    expect.any(String),
    expect.any(String),
    expect.any(String),
  ]);
  expect(lines[2].split(/\s{2,}/).slice(0, 4)).toEqual(['conv.weight', '[4, 2, 2, 2]', '4x1', '32']);
  expect(lines[5].split(/\s{2,}/)).toEqual(['total', '256', '128', '0.5', '0.5']);
  expect(r.stdout).toContain(
    `4 tensors pruned to sparsity 0.5 (target 0.5, magnitude, global), model written to ${out}`,
  );
  expect(r.stdout).toMatch(/left dense:\n {2}fc\.bias \(F32 \[8\]\): shape \[8\] has rank 1: only 2-D .* prunable\n/);
  expect(r.stdout).toMatch(
    / {2}odd\.weight \(F32 \[6, 5\]\): .*cannot be divided by pattern "4x1": 6 rows are not a multiple of 4\n/,
  );
  expect(r.stdout).toContain('  step (I64 []): dtype I64: only F32, F16 and BF16 tensors are pruned\n');
});

test('--json: the options, per-layer and total sparsity, the skipped tensors with reasons', async () => {
  const report = await prune(['--sparsity', '0.5', '--pattern', '2:4']);
  expect(report).toMatchObject({
    model,
    grads: null,
    output: out,
    masks: null,
    options: { sparsity: 0.5, pattern: '2:4', scope: 'global', criterion: 'magnitude' },
    total: { elements: 256, pruned: 128, sparsity: 0.5, block_sparsity: 0.5 },
    excluded: 0,
  });
  expect(report.skipped.map((s: { name: string }) => s.name)).toEqual(['fc.bias', 'odd.weight', 'step']);
  expect(report.skipped[1]).toMatchObject({ name: 'odd.weight', dtype: 'F32', shape: [6, 5] });
  expect(report.skipped[1].reason).toContain('5 input columns are not a multiple of 4');
  // fc.weight [8, 16] has 32 groups of 4, all 2:4-sparse.
  expect(report.layers[0]).toEqual({
    name: 'fc.weight',
    shape: [8, 16],
    dtype: 'F32',
    pattern: '2:4',
    elements: 128,
    pruned: 64,
    sparsity: 0.5,
    blocks: 32,
    pruned_blocks: 32,
    block_sparsity: 0.5,
  });
});

test('sparsity 0 prunes nothing: the output holds the same tensor bytes', async () => {
  await prune(['--sparsity', '0']);
  const input = readSafetensors(model);
  const written = readSafetensors(out);
  for (const name of ALL)
    expect(Buffer.from(written.tensors.get(name)!.data).equals(Buffer.from(input.tensors.get(name)!.data))).toBe(true);
});

test('the input file is not modified, and an existing output is replaced', async () => {
  const before = fs.readFileSync(model);
  fs.writeFileSync(out, 'old');
  await prune(['--sparsity', '0.9', '--pattern', '1x1']);
  expect(fs.readFileSync(model).equals(before)).toBe(true);
  expect(readSafetensors(out).tensors.size).toBe(ALL.length);
});

describe('progress', () => {
  test('a bar on a terminal: bytes of each pass, the rate and the time left', async () => {
    const terminal = fakeTerminal();
    const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '--pattern', '1x1', '--json'], {
      progressStream: terminal,
    });
    expect(r.code).toBe(0);
    // Global scope: pass 1 scores the prunable tensors, pass 2 writes them all; bytes, rate and time left.
    expect(terminal.text()).toMatch(/pass 1\/2: scoring \[/);
    expect(terminal.text()).toMatch(/pass 2\/2: writing \[=+\] 992 B\/992 B .*B\/s ETA/);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  test('nothing on stderr when it is not a terminal', async () => {
    expect((await runCli(['prune', model, '-o', out, '--sparsity', '0.5'])).stderr).toBe('');
  });
});

describe('errors', () => {
  let grads: string;
  beforeEach(() => {
    const input = readSafetensors(model);
    grads = writeModel(
      tmp.file('grads.safetensors'),
      PRUNABLE.map((name) => {
        const t = input.tensors.get(name)!;
        return [
          name,
          f32(
            t.shape,
            Array.from(tensorAsFloat32(t), (x) => x * 2),
          ),
        ];
      }),
    );
  });

  test.each([
    [['--sparsity', '1.5'], '--sparsity must be a ratio in [0, 1], got 1.5'],
    [['--sparsity', '-0.1'], '--sparsity must be a ratio in [0, 1], got -0.1'],
    [['--sparsity', 'most'], '--sparsity expects a finite number, got "most"'],
    [[], 'missing --sparsity R'],
    [['--sparsity', '0.5', '--max-per-layer', '2'], '--max-per-layer must be a ratio in [0, 1], got 2'],
    [
      ['--sparsity', '0.5', '--min-per-layer', '0.6', '--max-per-layer', '0.5'],
      '--min-per-layer 0.6 is above --max-per-layer 0.5',
    ],
    [['--sparsity', '0.5', '--pattern', '3y1'], '--pattern: unknown pruning pattern "3y1"'],
    [['--sparsity', '0.5', '--pattern', '4:2'], '--pattern: unknown pruning pattern "4:2" (N:M needs N < M)'],
    [
      ['--sparsity', '0.75', '--pattern', '2:4'],
      '--sparsity 0.75 is above what pattern "2:4" can reach (2 of every 4 = 0.5)',
    ],
    [['--sparsity', '0.5', '--scope', 'both'], '--scope must be one of global, local, got "both"'],
    [
      ['--sparsity', '0.5', '--criterion', 'snipp'],
      '--criterion must be one of magnitude, gradient, snip, snip_momentum, got "snipp"',
    ],
    [['--sparsity', '0.5', '--reduce', 'median'], '--reduce must be one of mean, sum, max, got "median"'],
    [['--sparsity', '0.5', '--tie-mode', 'loose'], '--tie-mode must be one of exact, threshold, got "loose"'],
    [['--sparsity', '0.5', '--include', '('], '--include "(" is not a valid regular expression'],
    [
      ['--sparsity', '0.5', '-c', 'snip_momentum'],
      'snip_momentum reads gradients: give them with --grads GRADS.safetensors',
    ],
    [['--sparsity', '0.5', '-c', 'magnitude', '--grads', 'G'], 'magnitude does not read gradients: drop --grads'],
    [['--sparsity', '0.5', '--grads', 'G'], 'magnitude does not read gradients: drop --grads'],
  ])('usage error (exit 2): %j', async (extra, message) => {
    const r = await runCli(['prune', model, '-o', out, ...extra.map((a) => (a === 'G' ? grads : a))]);
    expect(r.stderr).toContain(`prunekit prune: ${message}`);
    expect(r.stderr).toContain("Run 'prunekit prune --help' for details.");
    expect(r.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('-o or --masks naming an input, or the same file twice, is a usage error; the inputs are untouched', async () => {
    const before = fs.readFileSync(model);
    for (const argv of [
      ['prune', model, '-o', model, '--sparsity', '0.5'],
      ['prune', model, '-o', grads, '--sparsity', '0.5', '-c', 'snip', '-g', grads],
      ['prune', model, '-o', out, '--masks', model, '--sparsity', '0.5'],
      ['prune', model, '-o', out, '--masks', out, '--sparsity', '0.5'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is also an input|name the same file/);
    }
    const link = tmp.file('link.safetensors');
    fs.symlinkSync(model, link);
    expect((await runCli(['prune', model, '-o', link, '--sparsity', '0.5'])).code).toBe(2);
    expect(fs.readFileSync(model).equals(before)).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a missing or corrupt model: exit 1, one line', async () => {
    const missing = tmp.file('nope.safetensors');
    let r = await runCli(['prune', missing, '-o', out, '--sparsity', '0.5']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `prunekit prune: the model file ${missing} does not exist\n` });
    const corrupt = tmp.file('corrupt.safetensors');
    fs.writeFileSync(corrupt, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22, 0x61]));
    r = await runCli(['prune', corrupt, '-o', out, '--sparsity', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^prunekit prune: the model file is not valid safetensors: .*header length 8 bytes is larger than the file allows[^\n]*\n$/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a corrupt grads file: exit 1', async () => {
    const corrupt = tmp.file('g.safetensors');
    fs.writeFileSync(corrupt, 'not safetensors');
    const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '-c', 'snip', '-g', corrupt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the grads file is not valid safetensors');
  });

  test('grads that do not fit: every missing or mis-shaped tensor named, exit 1, no output', async () => {
    const bad = writeModel(tmp.file('bad.safetensors'), [
      ['fc.weight', f32([16, 8], new Array(128).fill(1))],
      ['conv.weight', f32([4, 2, 2, 2], new Array(32).fill(1))],
    ]);
    const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '-c', 'gradient', '-g', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`gradient reads gradients, and ${bad} does not fit the model:`);
    expect(r.stderr).toContain('tensor "fc.weight": gradient shape [16, 8] does not match weight shape [8, 16]');
    for (const name of ['emb.weight', 'head.weight'])
      expect(r.stderr).toContain(`tensor "${name}": no tensor of that name in ${bad}`);
    expect(r.stderr).not.toContain('conv.weight');
    expect(r.stderr).not.toContain('fc.bias'); // not prunable with 4x1: its gradient is not needed
    expect(fs.existsSync(out)).toBe(false);
  });

  test('fitting grads: exit 0 (the gradients of tensors left dense are not needed)', async () => {
    const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '-c', 'snip', '-g', grads, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ grads, options: { criterion: 'snip' }, total: { sparsity: 0.5 } });
  });

  test('nothing prunable: exit 1, no output', async () => {
    const r = await runCli(['prune', model, '-o', out, '--sparsity', '0.5', '--include', 'bias$|^step$|^odd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `prunekit prune: nothing to prune in ${model}: 7 tensors, 4 left out by --include/--exclude, 1 not F32/F16/BF16, ` +
        '2 not prunable with pattern "4x1" (only 2-D and 4-D tensors the block divides are)\n',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test('NaN in the weights: exit 1, no output', async () => {
    const nan = writeModel(tmp.file('nan.safetensors'), [['w', f32([4, 4], [NaN, ...new Array(15).fill(1)])]]);
    const r = await runCli(['prune', nan, '-o', out, '--sparsity', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'prunekit prune: cannot rank the weights: NaN or Inf scores (magnitude) in tensor "w" (1 of them); fix or --exclude it\n',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test('an output folder that does not exist', async () => {
    const r = await runCli(['prune', model, '-o', tmp.file('no/such/p.safetensors'), '--sparsity', '0.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*p\.safetensors: the folder .*such does not exist/);
  });
});

test('--help: usage, description, every flag, examples', async () => {
  const r = await runCli(['prune', '--help']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^Usage: prunekit prune MODEL\.safetensors -o OUT\.safetensors --sparsity R/);
  for (const flag of [
    '--output FILE',
    '--sparsity R',
    '--pattern P',
    '--scope SCOPE',
    '--criterion NAME',
    '--grads FILE',
    '--reduce TYPE',
    '--tie-mode MODE',
    '--max-per-layer R',
    '--min-per-layer R',
    '--include REGEX',
    '--exclude REGEX',
    '--masks FILE',
    '--json',
  ])
    expect(r.stdout).toContain(flag);
  expect(r.stdout).toContain('Examples:');
  expect(r.stdout).toContain('prunekit prune model.safetensors --sparsity 0.9 -o pruned.safetensors');
  expect((await runCli(['help', 'prune'])).stdout).toBe(r.stdout);
});
