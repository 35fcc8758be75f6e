// `prunekit score`: values of every criterion against hand-computed ones, selection, output file, reports, errors.
import * as fs from 'node:fs';
import { readSafetensors, tensorAsFloat32 } from '../../lib/io';
import { f32, fakeTerminal, half, runCli, tempDir, writeModel } from './helpers';

const fr = Math.fround;

let tmp: ReturnType<typeof tempDir>;
let model: string;
let grads: string;
let out: string;

// The model: F32 matrix and bias, one tensor needing float32 rounding, F16 and BF16 tensors, and two
// non-floating tensors that must be skipped and listed.
beforeEach(() => {
  tmp = tempDir();
  out = tmp.file('scores.safetensors');
  model = writeModel(tmp.file('model.safetensors'), [
    ['fc.weight', f32([2, 3], [-1, 2, -3, 0.5, 0, 4])],
    ['fc.bias', f32([2], [0.25, -4])],
    ['fc2.weight', f32([3], [0.1, 1 / 3, -1e-20])],
    ['emb', half('F16', [2], [0x3e00, 0xc000])], // 1.5, -2
    ['norm', half('BF16', [1, 2], [0x3f80, 0xc020])], // 1, -2.5
    ['step', { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) }],
    ['mask', { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }],
  ]);
  grads = writeModel(tmp.file('grads.safetensors'), [
    ['norm', half('F16', [1, 2], [0x3800, 0x4000])], // 0.5, 2 (order differs from the model on purpose)
    ['fc.weight', f32([2, 3], [0.5, -0.25, 2, 8, 3, -0.125])],
    ['fc.bias', f32([2], [1, 0.5])],
    ['fc2.weight', f32([3], [0.3, 3, 1e-20])],
    ['emb', f32([2], [2, 0.25])],
  ]);
});
afterEach(() => tmp.cleanup());

const SCORED = ['fc.weight', 'fc.bias', 'fc2.weight', 'emb', 'norm'];
const SHAPES: Record<string, number[]> = {
  'fc.weight': [2, 3],
  'fc.bias': [2],
  'fc2.weight': [3],
  emb: [2],
  norm: [1, 2],
};

// |w*g| rounded once to float32, by hand for the exact cases and with Math.fround where float32 rounds.
const SNIP: Record<string, number[]> = {
  'fc.weight': [0.5, 0.5, 6, 4, 0, 0.5],
  'fc.bias': [0.25, 2],
  'fc2.weight': [fr(fr(0.1) * fr(0.3)), fr(fr(1 / 3) * 3), fr(fr(1e-20) * fr(1e-20))], // the last is a denormal
  emb: [3, 0.5],
  norm: [0.5, 5],
};

const EXPECTED: Record<string, { args: string[]; scores: Record<string, number[]> }> = {
  magnitude: {
    args: [],
    scores: {
      'fc.weight': [1, 2, 3, 0.5, 0, 4],
      'fc.bias': [0.25, 4],
      'fc2.weight': [fr(0.1), fr(1 / 3), fr(1e-20)],
      emb: [1.5, 2],
      norm: [1, 2.5],
    },
  },
  gradient: {
    args: ['--grads', 'GRADS'],
    scores: {
      'fc.weight': [0.5, 0.25, 2, 8, 3, 0.125],
      'fc.bias': [1, 0.5],
      'fc2.weight': [fr(0.3), 3, fr(1e-20)],
      emb: [2, 0.25],
      norm: [0.5, 2],
    },
  },
  snip: { args: ['--grads', 'GRADS'], scores: SNIP },
  // One step from zero: s = fround(0 * alpha) + fround(beta * |w*g|), rounded; beta 2.5 makes it visible.
  snip_momentum: {
    args: ['--grads', 'GRADS', '--alpha', '0.5', '--beta', '2.5'],
    scores: Object.fromEntries(Object.entries(SNIP).map(([k, v]) => [k, v.map((t) => fr(fr(0 * 0.5) + fr(2.5 * t)))])),
  },
};

describe.each(Object.keys(EXPECTED))('%s', (criterion) => {
  test('writes the hand-computed scores as F32, same names, shapes and order, with the criterion in the metadata', async () => {
    const { args, scores } = EXPECTED[criterion];
    const r = await runCli([
      'score',
      model,
      '--criterion',
      criterion,
      '-o',
      out,
      ...args.map((a) => (a === 'GRADS' ? grads : a)),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = readSafetensors(out);
    expect(written.metadata).toEqual({ prunekit_criterion: criterion });
    expect([...written.tensors.keys()]).toEqual(SCORED);
    for (const name of SCORED) {
      const t = written.tensors.get(name)!;
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual(SHAPES[name]);
      expect(tensorAsFloat32(t)).toEqual(new Float32Array(scores[name]));
    }
  });
});

test('snip_momentum defaults to beta 1: one step equals snip', async () => {
  expect((await runCli(['score', model, '-c', 'snip_momentum', '-g', grads, '-o', out])).code).toBe(0);
  expect(tensorAsFloat32(readSafetensors(out).tensors.get('fc2.weight')!)).toEqual(
    new Float32Array(SNIP['fc2.weight']),
  );
});

test('the table lists every scored tensor with min/mean/max, then the skipped ones', async () => {
  const r = await runCli(['score', model, '--criterion', 'magnitude', '-o', out]);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0].split(/\s+/)).toEqual(['name', 'shape', 'dtype', 'elements', 'min', 'mean', 'max']);
  expect(lines[1].split(/\s{2,}/)).toEqual(['fc.weight', '[2, 3]', 'F32', '6', '0', '1.75', '4']);
  expect(lines[4].split(/\s{2,}/)).toEqual(['emb', '[2]', 'F16', '2', '1.5', '1.75', '2']);
  expect(lines[5].split(/\s{2,}/)).toEqual(['norm', '[1, 2]', 'BF16', '2', '1', '1.75', '2.5']);
  expect(r.stdout).toContain(`5 tensors, 15 scores (magnitude) written to ${out}`);
  expect(r.stdout).toContain('skipped, not F32/F16/BF16: step (I64 []), mask (BOOL [3])');
});

test('--json prints one object with the stats, the skipped tensors and the config', async () => {
  const r = await runCli([
    'score',
    model,
    '-c',
    'snip_momentum',
    '-g',
    grads,
    '--beta',
    '2',
    '-o',
    out,
    '--json',
    '--exclude',
    '^fc2',
  ]);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({
    model,
    grads,
    output: out,
    criterion: 'snip_momentum',
    config: { criterion_type: 'snip_momentum', beta: 2, on_non_finite: 'skip' },
    skipped: [
      { name: 'step', dtype: 'I64', shape: [] },
      { name: 'mask', dtype: 'BOOL', shape: [3] },
    ],
    excluded: 1,
    non_finite: [],
  });
  expect(report.tensors.map((t: { name: string }) => t.name)).toEqual(['fc.weight', 'fc.bias', 'emb', 'norm']);
  // fc.weight: 2 * [0.5, 0.5, 6, 4, 0, 0.5]
  expect(report.tensors[0]).toEqual({
    name: 'fc.weight',
    shape: [2, 3],
    dtype: 'F32',
    elements: 6,
    min: 0,
    mean: 23 / 6,
    max: 12,
  });
  expect(report.tensors[3]).toEqual({
    name: 'norm',
    shape: [1, 2],
    dtype: 'BF16',
    elements: 2,
    min: 1,
    mean: 5.5,
    max: 10,
  });
});

test('--include and --exclude select by regex over names; biases are scored unless excluded', async () => {
  let r = await runCli(['score', model, '-c', 'magnitude', '-o', out, '--include', '^fc\\.', '--include', '^emb$']);
  expect(r.code).toBe(0);
  expect([...readSafetensors(out).tensors.keys()]).toEqual(['fc.weight', 'fc.bias', 'emb']);
  expect(r.stdout).toContain('left out by --include/--exclude: 4 tensors');
  expect(r.stdout).not.toContain('skipped'); // step and mask were left out by name, not skipped by dtype

  r = await runCli(['score', model, '-c', 'magnitude', '-o', out, '--include', 'fc', '--exclude', 'bias$']);
  expect(r.code).toBe(0);
  expect([...readSafetensors(out).tensors.keys()]).toEqual(['fc.weight', 'fc2.weight']);
});

test('grads are only needed for the selected tensors', async () => {
  const partial = writeModel(tmp.file('partial.safetensors'), [['emb', f32([2], [2, 0.25])]]);
  const r = await runCli(['score', model, '-c', 'snip', '-g', partial, '--include', '^emb$', '-o', out]);
  expect(r.code).toBe(0);
  expect(tensorAsFloat32(readSafetensors(out).tensors.get('emb')!)).toEqual(new Float32Array([3, 0.5]));
});

test('empty and scalar tensors are scored; an empty one has no stats', async () => {
  const small = writeModel(tmp.file('small.safetensors'), [
    ['empty', f32([0, 3], [])],
    ['scalar', f32([], [-2])],
  ]);
  const r = await runCli(['score', small, '-c', 'magnitude', '-o', out, '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).tensors).toEqual([
    { name: 'empty', shape: [0, 3], dtype: 'F32', elements: 0, min: null, mean: null, max: null },
    { name: 'scalar', shape: [], dtype: 'F32', elements: 1, min: 2, mean: 2, max: 2 },
  ]);
  const written = readSafetensors(out);
  expect(written.tensors.get('empty')!.shape).toEqual([0, 3]);
  expect(tensorAsFloat32(written.tensors.get('scalar')!)).toEqual(new Float32Array([2]));
  const table = await runCli(['score', small, '-c', 'magnitude', '-o', out]);
  expect(table.stdout.split('\n')[1].split(/\s{2,}/)).toEqual(['empty', '[0, 3]', 'F32', '0', '-', '-', '-']);
});

describe('non-finite gradients', () => {
  let nanGrads: string;
  beforeEach(() => {
    nanGrads = writeModel(tmp.file('nan.safetensors'), [['fc.bias', f32([2], [NaN, 1])]]);
  });
  const args = () => ['score', model, '-c', 'snip', '-g', nanGrads, '--include', 'fc.bias', '-o', out];

  test('skip (default): the tensor keeps score 0 and a warning names it', async () => {
    const r = await runCli(args());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'warning: NaN or Inf terms, these tensors keep score 0 (--on-non-finite skip): fc.bias (1)',
    );
    expect(tensorAsFloat32(readSafetensors(out).tensors.get('fc.bias')!)).toEqual(new Float32Array([0, 0]));
  });

  test('error: exit 1, nothing written', async () => {
    const r = await runCli([...args(), '--on-non-finite', 'error', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^prunekit score: .*non-finite terms .* module "fc.bias"/);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('propagate: NaN in the scores, null stats in JSON', async () => {
    const r = await runCli([...args(), '--on-non-finite', 'propagate', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tensors[0]).toMatchObject({ name: 'fc.bias', min: null, mean: null, max: null });
    const s = tensorAsFloat32(readSafetensors(out).tensors.get('fc.bias')!);
    expect(Number.isNaN(s[0])).toBe(true);
    expect(s[1]).toBe(4);
  });
});

describe('progress', () => {
  test('a bar on a terminal when there is more than one tensor', async () => {
    const terminal = fakeTerminal();
    const r = await runCli(['score', model, '-c', 'magnitude', '-o', out, '--json'], { progressStream: terminal });
    expect(r.code).toBe(0);
    expect(terminal.text()).toMatch(/scoring \[=+\] 52 B\/52 B .*B\/s ETA/); // every byte of the 4 floating tensors, with the rate and time left
    expect(() => JSON.parse(r.stdout)).not.toThrow(); // the bar never touches stdout
  });

  test('no bar for a single tensor', async () => {
    const terminal = fakeTerminal();
    expect(
      (await runCli(['score', model, '-c', 'magnitude', '-o', out, '--include', '^emb$'], { progressStream: terminal }))
        .code,
    ).toBe(0);
    expect(terminal.text()).toBe('');
  });

  test('nothing on stderr when it is not a terminal', async () => {
    const r = await runCli(['score', model, '-c', 'magnitude', '-o', out]);
    expect(r.stderr).toBe('');
  });
});

test('an existing output file is replaced', async () => {
  fs.writeFileSync(out, 'old');
  expect((await runCli(['score', model, '-c', 'magnitude', '-o', out])).code).toBe(0);
  expect(readSafetensors(out).tensors.size).toBe(5);
});

describe('errors', () => {
  test('missing model file: exit 1, one line', async () => {
    const missing = tmp.file('nope.safetensors');
    const r = await runCli(['score', missing, '-c', 'magnitude', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`prunekit score: the model file ${missing} does not exist\n`);
  });

  test('PRUNEKIT_DEBUG=1 adds the stack trace', async () => {
    const r = await runCli(['score', tmp.file('nope.safetensors'), '-c', 'magnitude', '-o', out], {
      env: { PRUNEKIT_DEBUG: '1' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist\n\s+at /);
  });

  test("corrupt model file: exit 1 with the reader's reason", async () => {
    const corrupt = tmp.file('corrupt.safetensors');
    fs.writeFileSync(corrupt, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22, 0x61]));
    const r = await runCli(['score', corrupt, '-c', 'magnitude', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^prunekit score: the model file is not valid safetensors: .*corrupt\.safetensors: header length 8 bytes is larger than the file allows/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('corrupt grads file', async () => {
    const corrupt = tmp.file('g.safetensors');
    fs.writeFileSync(corrupt, 'not safetensors');
    const r = await runCli(['score', model, '-c', 'snip', '-g', corrupt, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the grads file is not valid safetensors');
  });

  test('a gradient criterion without --grads is a usage error', async () => {
    const r = await runCli(['score', model, '-c', 'gradient', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gradient reads gradients: give them with --grads GRADS.safetensors');
    expect(r.stderr).toContain("Run 'prunekit score --help' for details.");
  });

  test('--grads with magnitude is a usage error', async () => {
    expect((await runCli(['score', model, '-c', 'magnitude', '-g', grads, '-o', out])).stderr).toContain(
      'magnitude does not read gradients',
    );
  });

  test('missing grads tensors are named, all of them; an existing output is left alone', async () => {
    fs.writeFileSync(out, 'old');
    const few = writeModel(tmp.file('few.safetensors'), [['fc.bias', f32([2], [1, 1])]]);
    const r = await runCli(['score', model, '-c', 'snip', '-g', few, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`snip reads gradients, and ${few} does not fit the model:`);
    for (const name of ['fc.weight', 'fc2.weight', 'emb', 'norm'])
      expect(r.stderr).toContain(`tensor "${name}": no tensor of that name in ${few}`);
    expect(r.stderr).not.toContain('"fc.bias"');
    expect(fs.readFileSync(out, 'utf8')).toBe('old');
  });

  test('a grads shape mismatch names the tensor and both shapes (same element count is not enough)', async () => {
    const transposed = writeModel(tmp.file('t.safetensors'), [
      ['fc.weight', f32([3, 2], [1, 1, 1, 1, 1, 1])],
      ['fc.bias', f32([2], [1, 1])],
    ]);
    const r = await runCli(['score', model, '-c', 'snip', '-g', transposed, '--include', '^fc\\.', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tensor "fc.weight": gradient shape [3, 2] does not match weight shape [2, 3]');
  });

  test('a non-floating gradient is an error', async () => {
    const ints = writeModel(tmp.file('i.safetensors'), [
      ['fc.bias', { dtype: 'I32', shape: [2], data: new Int32Array([1, 2]) }],
    ]);
    const r = await runCli(['score', model, '-c', 'gradient', '-g', ints, '--include', 'fc.bias', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tensor "fc.bias": its gradient has dtype I32, expected F32, F16 or BF16');
  });

  test('unknown criterion: usage error listing the registered ones', async () => {
    const r = await runCli(['score', model, '-c', 'snipp', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'criteria does not support "snipp", currently only support [magnitude, gradient, snip, snip_momentum]',
    );
  });

  test('unknown flag: exit 2 with a suggestion and the usage line', async () => {
    const r = await runCli(['score', model, '--critrion', 'snip', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^prunekit score: unknown flag --critrion \(did you mean --criterion\?\)\nUsage: prunekit score MODEL/,
    );
  });

  test.each([
    [['-c', 'magnitude'], 'missing --output FILE'],
    [['-o', 'x.safetensors'], 'missing --criterion NAME'],
    [['-c', 'snip_momentum', '-g', 'G', '--alpha', 'fast', '-o', 'x'], '--alpha expects a finite number, got "fast"'],
    [['-c', 'magnitude', '--alpha', '0.5', '-o', 'x'], '--alpha and --beta apply to snip_momentum only, not magnitude'],
    [['-c', 'magnitude', '--include', '(', '-o', 'x'], '--include "(" is not a valid regular expression'],
    [
      ['-c', 'magnitude', '--on-non-finite', 'ignore', '-o', 'x'],
      '--on-non-finite must be one of skip, error, propagate',
    ],
    [['-c', 'magnitude', '-o'], '--output needs a value FILE (nothing follows it'],
  ])('usage error: %j', async (extra, message) => {
    const r = await runCli(['score', model, ...extra.map((a) => (a === 'G' ? grads : a))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('missing MODEL is a usage error', async () => {
    const r = await runCli(['score', '-c', 'magnitude', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing MODEL.safetensors');
  });

  test('-o naming an input is refused and the input is untouched', async () => {
    const before = fs.readFileSync(model);
    const r = await runCli(['score', model, '-c', 'magnitude', '-o', model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is also an input');
    expect(fs.readFileSync(model)).toEqual(before);
    const viaLink = tmp.file('link.safetensors');
    fs.symlinkSync(grads, viaLink);
    expect((await runCli(['score', model, '-c', 'snip', '-g', grads, '-o', viaLink])).code).toBe(2);
  });

  test('an output folder that does not exist', async () => {
    const r = await runCli(['score', model, '-c', 'magnitude', '-o', tmp.file('no/such/dir/s.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*s\.safetensors: the folder .*dir does not exist/);
  });

  test('nothing left to score', async () => {
    const r = await runCli(['score', model, '-c', 'magnitude', '-o', out, '--include', '^step$']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `nothing to score in ${model}: 7 tensors, 6 left out by --include/--exclude, 1 not F32/F16/BF16`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a tensor named __proto__ is scored like any other', async () => {
    const odd = writeModel(tmp.file('odd.safetensors'), [
      ['__proto__', f32([2], [-1, 2])],
      ['w', f32([1], [-3])],
    ]);
    const r = await runCli(['score', odd, '-c', 'magnitude', '-o', out, '--json']);
    // Either correct scores or a clear error, never a silently zero tensor.
    if (r.code === 0)
      expect(tensorAsFloat32(readSafetensors(out).tensors.get('__proto__')!)).toEqual(new Float32Array([1, 2]));
    else expect(r.stderr).toContain('tensor "__proto__": the criterion produced no scores for it');
  });
});

test('--help', async () => {
  const r = await runCli(['score', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: prunekit score MODEL\.safetensors --criterion NAME -o SCORES\.safetensors/);
  for (const flag of [
    '--criterion NAME',
    '--output FILE',
    '--grads FILE',
    '--alpha A',
    '--beta B',
    '--include REGEX',
    '--exclude REGEX',
    '--json',
    '--help',
  ])
    expect(r.stdout).toContain(flag);
  expect(r.stderr).toBe('');
});
