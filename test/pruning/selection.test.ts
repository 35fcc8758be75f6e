// GlobalSelection: a model split into 2 and 3 shards, each shard a GlobalSelection of its own, the rounds'
// arrays summed as an all-reduce would and the tie counts gathered as an all-gather would, must give exactly
// the masks computeMasks gives over all layers in one process: every pattern, tie mode, per-layer bound,
// with ties straddling the shard boundaries.
import { computeMasks, type MaskOptions } from '../../lib/pruning/masks';
import { GlobalSelection, type MaskLayer, type MaskResult, type SelectionOptions } from '../../lib/pruning/selection';
import { targetCount } from '../../lib/pruning/target';
import { setSimd, simdInfo } from '../../lib/simd';
import { rng } from '../support/random';

const info = simdInfo();
afterAll(() => setSimd(info.active));

/** Runs the protocol over shards in one process; returns the merged result and the number of rounds. */
function runSharded(
  shards: MaskLayer[][],
  options: SelectionOptions,
): { result: MaskResult; rounds: number; widest: number } {
  const selections = shards.map((layers) => new GlobalSelection(layers, options));
  let rounds = 0;
  let widest = 0;
  while (!selections[0].done) {
    const arrays = selections.map((s) => s.histogram());
    const sum = new Float64Array(arrays[0].length);
    for (const a of arrays) {
      expect(a.length).toBe(sum.length);
      a.forEach((x, i) => (sum[i] += x));
    }
    widest = Math.max(widest, sum.length);
    // each shard gets its own copy of the sum, as a collective would hand it
    selections.forEach((s) => s.advance(Float64Array.from(sum)));
    rounds++;
    expect(rounds).toBeLessThan(200);
  }
  expect(selections.every((s) => s.done)).toBe(true);
  const ties = selections.map((s) => s.tieCounts());
  const result: MaskResult = { masks: {}, prunedUnits: {}, skipped: {} };
  selections.forEach((s, rank) => {
    const part = s.masks(ties, rank);
    Object.assign(result.masks, part.masks);
    Object.assign(result.prunedUnits, part.prunedUnits);
    Object.assign(result.skipped, part.skipped);
  });
  return { result, rounds, widest };
}

function split<T>(items: T[], parts: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(items.length / parts);
  for (let p = 0; p < parts; p++) out.push(items.slice(p * size, (p + 1) * size));
  return out;
}

function expectSame(got: MaskResult, want: MaskResult, label: string): void {
  expect(Object.keys(got.masks)).toEqual(Object.keys(want.masks));
  for (const name of Object.keys(want.masks)) {
    const same = Buffer.from(got.masks[name]).equals(Buffer.from(want.masks[name]));
    expect({ label, name, same }).toEqual({ label, name, same: true });
  }
  expect({ label, pruned: got.prunedUnits, skipped: got.skipped }).toEqual({
    label,
    pruned: want.prunedUnits,
    skipped: want.skipped,
  });
}

type Kind = 'normal' | 'all-equal' | 'zeros' | 'nan' | 'mostly-nan' | 'few-values';
const KINDS: Kind[] = ['normal', 'all-equal', 'zeros', 'nan', 'mostly-nan', 'few-values'];

function model(kind: Kind, seed: number, scaled: boolean): MaskLayer[] {
  const next = rng(seed);
  const shapes = [[8, 8], [4, 16], [12, 4], [4, 2, 2, 2], [3, 5], [6, 8], [8], [4, 12], [16, 4]];
  return shapes.map((shape, j) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = scaled ? 10 ** ((j % 5) - 2) : 1;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = next();
      let x: number;
      switch (kind) {
        case 'normal':
          x = next();
          break;
        case 'all-equal':
          x = 0.5;
          break;
        case 'zeros':
          x = u < 0.7 ? 0 : next();
          break;
        case 'nan':
          x = u < 0.2 ? NaN : next();
          break;
        case 'mostly-nan':
          x = u < 0.8 ? NaN : next();
          break;
        default:
          x = Math.floor(u * 3) / 4;
          break;
      }
      scores[i] = x * scale;
    }
    return { name: `m${j}`, shape, scores };
  });
}

describe('sharded global selection equals computeMasks over all layers', () => {
  const bounds = [
    {},
    { max_sparsity_ratio_per_op: 0.5 },
    { max_sparsity_ratio_per_op: 0.3, min_sparsity_ratio_per_op: 0.2 },
    { max_sparsity_ratio_per_op: 1 },
  ];
  it.each(['1x1', '2x1', '1x4', '2x2', '2:4'])(
    'pattern %s, 2 and 3 shards, both tie modes, caps and floors',
    (pattern) => {
      let seed = 1;
      for (const kind of KINDS) {
        for (const scaled of [false, true]) {
          const layers = model(kind, seed++, scaled);
          for (const tie_mode of ['exact', 'threshold'] as const) {
            for (const bound of bounds) {
              for (const ratio of [0, 0.3, 0.6, 1]) {
                const options: MaskOptions = { pattern, ratio, tie_mode, reduce: 'sum', scope: 'global', ...bound };
                const want = computeMasks(layers, options);
                for (const parts of [1, 2, 3, layers.length]) {
                  const { result } = runSharded(split(layers, parts), options);
                  expectSame(
                    result,
                    want,
                    `${pattern} ${kind} scaled=${scaled} ${JSON.stringify(options)} shards=${parts}`,
                  );
                }
              }
            }
          }
        }
      }
    },
  );

  it('on every instruction set, with a shard holding no layer at all', () => {
    const layers = model('few-values', 77, true);
    const shards = [layers.slice(0, 4), [], layers.slice(4)];
    for (const isa of info.supported) {
      setSimd(isa);
      for (const tie_mode of ['exact', 'threshold'] as const) {
        const options: MaskOptions = { pattern: '1x1', ratio: 0.55, tie_mode, max_sparsity_ratio_per_op: 0.7 };
        expectSame(runSharded(shards, options).result, computeMasks(layers, options), `${isa} ${tie_mode}`);
      }
    }
    setSimd(info.active);
  });
});

describe('the protocol', () => {
  const layers = model('few-values', 5, false);

  it('exact mode takes three rounds of at most 2052 numbers; threshold four when no layer is frozen', () => {
    const exact = runSharded(split(layers, 2), { pattern: '1x1', ratio: 0.5 });
    expect(exact.rounds).toBe(3);
    expect(exact.widest).toBe(4 + 2048);
    const threshold = runSharded(split(layers, 2), {
      pattern: '1x1',
      ratio: 0.5,
      tie_mode: 'threshold',
      max_sparsity_ratio_per_op: 1,
    });
    expect(threshold.rounds).toBe(4);
    const nm = new GlobalSelection(layers, { pattern: '2:4', ratio: 0.5 });
    expect(nm.done).toBe(true);
  });

  it('k instead of ratio', () => {
    const total = layers
      .filter((l) => l.shape.length === 2 || l.shape.length === 4)
      .reduce((a, l) => a + l.scores.length, 0);
    for (const ratio of [0.2, 0.5]) {
      const viaK = runSharded(split(layers, 3), {
        pattern: '1x1',
        k: targetCount(ratio, total),
        max_sparsity_ratio_per_op: 1,
      }).result;
      expectSame(
        viaK,
        computeMasks(layers, { pattern: '1x1', ratio, max_sparsity_ratio_per_op: 1 }),
        `k for ratio ${ratio}`,
      );
    }
  });

  it('sums that travel as JSON (plain arrays) work the same', () => {
    const shards = split(layers, 2).map(
      (part) =>
        new GlobalSelection(part, {
          pattern: '1x1',
          ratio: 0.4,
          tie_mode: 'threshold',
          max_sparsity_ratio_per_op: 0.5,
        }),
    );
    while (!shards[0].done) {
      const sum = shards.map((s) => Array.from(s.histogram())).reduce((a, b) => a.map((x, i) => x + b[i]));
      for (const s of shards) s.advance(JSON.parse(JSON.stringify(sum)) as number[]);
    }
    const ties = JSON.parse(JSON.stringify(shards.map((s) => Array.from(s.tieCounts())))) as number[][];
    const merged = Object.assign({}, ...shards.map((s, rank) => s.masks(ties, rank).masks));
    const want = computeMasks(layers, {
      pattern: '1x1',
      ratio: 0.4,
      tie_mode: 'threshold',
      max_sparsity_ratio_per_op: 0.5,
    }).masks;
    for (const name of Object.keys(want)) expect(Buffer.from(merged[name]).equals(Buffer.from(want[name]))).toBe(true);
  });

  it('reuses mask buffers given to masks()', () => {
    const sel = new GlobalSelection(layers, { pattern: '2x1', ratio: 0.5 });
    while (!sel.done) sel.advance(sel.histogram());
    const into = { m0: new Uint8Array(64).fill(9) };
    const r = sel.masks(undefined, 0, into);
    expect(r.masks.m0).toBe(into.m0);
    expectSame(r, computeMasks(layers, { pattern: '2x1', ratio: 0.5 }), 'into');
  });

  it('misuse is an error', () => {
    expect(() => new GlobalSelection(layers, { pattern: '1x1' })).toThrow('give either ratio or k');
    expect(() => new GlobalSelection(layers, { pattern: '1x1', ratio: 0.5, k: 3 })).toThrow(
      'give either ratio or k, not both',
    );
    expect(() => new GlobalSelection(layers, { pattern: '1x1', k: -1 })).toThrow(
      'k must be a non-negative integer, got -1',
    );
    expect(() => new GlobalSelection(layers, { pattern: '1x1', ratio: 2 })).toThrow(/ratio must be/);
    const sel = new GlobalSelection(layers, { pattern: '1x1', ratio: 0.5 });
    expect(() => sel.tieCounts()).toThrow(/not finished/);
    expect(() => sel.masks()).toThrow(/not finished/);
    expect(() => sel.advance(new Float64Array(3))).toThrow(
      /advance expects the summed Float64Array of this round \(2052 numbers\)/,
    );
    while (!sel.done) sel.advance(sel.histogram());
    expect(() => sel.histogram()).toThrow(/done/);
    expect(() => sel.masks([sel.tieCounts()], 1)).toThrow(/rank 1 is not an index of ties/);
    expect(() => sel.masks([new Float64Array(1)], 0)).toThrow(/ties\[0\] must hold/);
  });
});
