import { ArgumentError } from '../../lib/errors';
import { reduceBlocks } from '../../lib/pruning/patterns';
import { OracleLayer, OracleOptions, referenceBlockScores, referenceMasks } from '../support/reference-masks';
import { loadMaskCases, magnitudeLayers, type MaskVectorCase } from '../support/mask-vectors';
import { rng } from '../support/random';

const cases = loadMaskCases();
const layersOf = (c: MaskVectorCase): OracleLayer[] => magnitudeLayers(c);

function keepOf(layers: Array<{ name: string; shape: number[]; scores: number[] }>, options: OracleOptions) {
  const r = referenceMasks(
    layers.map((l) => ({ name: l.name, shape: l.shape, scores: Float32Array.from(l.scores) })),
    options,
  );
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(r.masks)) out[k] = Array.from(v);
  return { keep: out, result: r };
}

describe('oracle reproduces every case of test/fixtures/vectors/masks.json', () => {
  it('has the expected number of cases', () => {
    expect(cases.length).toBe(44);
  });

  it.each(cases.map((c, i) => [i, `${c.pattern} ${c.scope} ${c.tie_mode} ${c.reduce} ratio=${c.ratio}`, c] as const))(
    'case %d: %s',
    (_i, _label, c) => {
      const r = referenceMasks(layersOf(c), {
        pattern: c.pattern,
        ratio: c.ratio,
        reduce: c.reduce,
        scope: c.scope,
        tie_mode: c.tie_mode,
      });
      expect(Object.keys(r.skipped)).toEqual([]);
      expect(Object.keys(r.masks)).toEqual(Object.keys(c.layers));
      for (const [name, l] of Object.entries(c.layers)) {
        const expected = Buffer.from(l.keep, 'base64');
        const got = Buffer.from(r.masks[name]);
        expect(got.length).toBe(expected.length);
        // Compare whole buffers: a mismatch reports the layer, not every byte.
        expect({ name, equal: got.equals(expected) }).toEqual({ name, equal: true });
      }
    },
  );

  it('library reduceBlocks equals the oracle block scores bit for bit on the vector weights', () => {
    for (const c of cases) {
      if (c.pattern.includes(':')) continue;
      const [bn, bm] = c.pattern.split('x').map(Number);
      for (const l of layersOf(c)) {
        const [rows, cols] = l.shape;
        for (const reduce of ['mean', 'sum', 'max'] as const) {
          const lib = reduceBlocks(l.scores, rows, cols, c.pattern, reduce);
          const ref = referenceBlockScores(l.scores, rows, cols, bn, bm, reduce);
          expect(Buffer.from(lib.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
        }
      }
    }
  });
});

describe('library reduceBlocks vs oracle block scores on random data', () => {
  const patterns: Array<[string, number, number]> = [
    ['1x1', 1, 1],
    ['4x1', 4, 1],
    ['1x4', 1, 4],
    ['2x2', 2, 2],
    ['3x5', 3, 5],
    ['channelx1', -1, 1],
    ['1xchannel', 1, -1],
    ['channelx2', -1, 2],
  ];
  it.each(patterns)('%s', (pattern, pn, pm) => {
    const rand = rng(pattern.length * 7919 + pn * 31 + pm);
    const rows = 30;
    const cols = 40;
    const scores = new Float32Array(rows * cols);
    for (let i = 0; i < scores.length; i++) {
      const u = rand();
      scores[i] = u < 0.02 ? NaN : u < 0.2 ? 0 : Math.fround(Math.exp((rand() - 0.5) * 40));
    }
    const bn = pn < 0 ? rows : pn;
    const bm = pm < 0 ? cols : pm;
    if (rows % bn !== 0 || cols % bm !== 0) return;
    for (const reduce of ['mean', 'sum', 'max'] as const) {
      const lib = reduceBlocks(scores, rows, cols, pattern, reduce);
      const ref = referenceBlockScores(scores, rows, cols, bn, bm, reduce);
      expect(Array.from(lib)).toEqual(Array.from(ref));
    }
  });
});

describe('oracle: hand-computed cases, 1x1', () => {
  const layer = { name: 'a', shape: [2, 4], scores: [3, 1, 2, 1, 0, 0, 5, 4] };

  it('exact and threshold agree without ties at the cut', () => {
    for (const tie_mode of ['exact', 'threshold'] as const) {
      expect(keepOf([layer], { pattern: '1x1', ratio: 0.5, scope: 'local', tie_mode }).keep.a).toEqual([
        1, 0, 1, 0, 0, 0, 1, 1,
      ]);
      expect(keepOf([layer], { pattern: '1x1', ratio: 0.25, scope: 'local', tie_mode }).keep.a).toEqual([
        1, 1, 1, 1, 0, 0, 1, 1,
      ]);
    }
  });

  it('a tie at the cut: exact prunes exactly k by (score, index), threshold prunes every score <= kthvalue', () => {
    // k = floor(0.375 * 8) = 3; sorted: 0 (4), 0 (5), 1 (1), 1 (3), ...
    expect(keepOf([layer], { pattern: '1x1', ratio: 0.375, scope: 'local', tie_mode: 'exact' }).keep.a).toEqual([
      1, 0, 1, 1, 0, 0, 1, 1,
    ]);
    expect(keepOf([layer], { pattern: '1x1', ratio: 0.375, scope: 'local', tie_mode: 'threshold' }).keep.a).toEqual([
      1, 0, 1, 0, 0, 0, 1, 1,
    ]);
  });

  it('ratio 0 prunes nothing; ratio 1 with max 1 prunes all', () => {
    for (const tie_mode of ['exact', 'threshold'] as const) {
      expect(keepOf([layer], { pattern: '1x1', ratio: 0, tie_mode }).keep.a).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      expect(keepOf([layer], { pattern: '1x1', ratio: 1, tie_mode, max_sparsity_ratio_per_op: 1 }).keep.a).toEqual([
        0, 0, 0, 0, 0, 0, 0, 0,
      ]);
    }
  });

  it('the default max_sparsity_ratio_per_op (0.98) caps ratio 1', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i + 1);
    const { result } = keepOf([{ name: 'a', shape: [10, 10], scores }], { pattern: '1x1', ratio: 1 });
    expect(result.prunedUnits.a).toBe(98);
    expect(Array.from(result.masks.a.subarray(96))).toEqual([0, 0, 1, 1]);
  });

  it('binary artifacts do not lose one: 0.29 of 100 prunes 29', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const tie_mode of ['exact', 'threshold'] as const) {
      const { result } = keepOf([{ name: 'a', shape: [10, 10], scores }], { pattern: '1x1', ratio: 0.29, tie_mode });
      expect(result.prunedUnits.a).toBe(29);
    }
  });
});

describe('oracle: hand-computed cases, NxM blocks', () => {
  // [4, 2]: column 0 = 1, 2, 3, 4 (mean 2.5, sum 10, max 4); column 1 = 0, 0, 0, 8 (mean 2, sum 8, max 8).
  const layer = { name: 'a', shape: [4, 2], scores: [1, 0, 2, 0, 3, 0, 4, 8] };
  it.each([
    ['mean', [1, 0, 1, 0, 1, 0, 1, 0]],
    ['sum', [1, 0, 1, 0, 1, 0, 1, 0]],
    ['max', [0, 1, 0, 1, 0, 1, 0, 1]],
  ] as const)('4x1 with reduce %s prunes the right column', (reduce, expected) => {
    for (const tie_mode of ['exact', 'threshold'] as const) {
      expect(keepOf([layer], { pattern: '4x1', ratio: 0.5, reduce, tie_mode }).keep.a).toEqual(expected);
    }
  });

  it('channelx1 is the same as 4x1 on a 4-row layer; 1xchannel prunes whole rows', () => {
    expect(keepOf([layer], { pattern: 'channelx1', ratio: 0.5 }).keep.a).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    // rows: means 0.5, 1, 1.5, 6 -> ratio 0.5 prunes rows 0 and 1
    expect(keepOf([layer], { pattern: '1xchannel', ratio: 0.5 }).keep.a).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('1x4 and 2x1 blocks', () => {
    const l = { name: 'a', shape: [2, 8], scores: [1, 1, 1, 1, 9, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 1] };
    // 1x4 block means: 1, 2.25 / 2, 0.25 -> ratio 0.5 prunes (1, 1) then (0, 0)
    expect(keepOf([l], { pattern: '1x4', ratio: 0.5 }).keep.a).toEqual([
      0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
    ]);
    // 1x4 block max: 1, 9 / 2, 1 -> k = 1 and the two 1s tie: exact prunes block 0 only, threshold prunes both
    expect(keepOf([l], { pattern: '1x4', ratio: 0.25, reduce: 'max' }).keep.a).toEqual([
      0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(keepOf([l], { pattern: '1x4', ratio: 0.25, reduce: 'max', tie_mode: 'threshold' }).keep.a).toEqual([
      0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0,
    ]);
    // 2x1 block sums per column: 3, 3, 3, 3, 9, 0, 0, 1 -> ratio 0.25 (k = 2) prunes columns 5 and 6
    expect(keepOf([l], { pattern: '2x1', ratio: 0.25, reduce: 'sum' }).keep.a).toEqual([
      1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1,
    ]);
  });

  it('mean is two-stage (mean over the input axis, then over rows) and rounds in float32', () => {
    // 1x4 sum of 1 and three 2^-24: float32 left to right stays 1 (a float64 sum would round to 1 + 2^-22).
    const tiny = 2 ** -24;
    const s = Float32Array.from([1, tiny, tiny, tiny, 1, 0, 0, 0]);
    const b = referenceBlockScores(s, 1, 8, 1, 4, 'sum');
    expect(Array.from(b)).toEqual([1, 1]);
    // so the two blocks tie and exact mode prunes the first by index
    expect(
      keepOf([{ name: 'a', shape: [1, 8], scores: Array.from(s) }], { pattern: '1x4', ratio: 0.5, reduce: 'sum' }).keep
        .a,
    ).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe('oracle: hand-computed cases, N:M', () => {
  const layer = { name: 'a', shape: [1, 8], scores: [4, 1, 3, 2, 0, 0, 0, 5] };
  it('2:4 exact prunes the 2 smallest of each group, ties by index', () => {
    expect(keepOf([layer], { pattern: '2:4', ratio: 0.5, tie_mode: 'exact' }).keep.a).toEqual([1, 0, 1, 0, 0, 0, 1, 1]);
  });
  it('2:4 threshold prunes <= kthvalue(2) of each group (ties over-prune)', () => {
    expect(keepOf([layer], { pattern: '2:4', ratio: 0.5, tie_mode: 'threshold' }).keep.a).toEqual([
      1, 0, 1, 0, 0, 0, 0, 1,
    ]);
  });
  it('1:4 and 3:4', () => {
    expect(keepOf([layer], { pattern: '1:4', ratio: 0.25 }).keep.a).toEqual([1, 0, 1, 1, 0, 1, 1, 1]);
    expect(keepOf([layer], { pattern: '3:4', ratio: 0.75 }).keep.a).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
  });
  it('groups run along the input axis of each row', () => {
    const l = { name: 'a', shape: [2, 4], scores: [1, 2, 3, 4, 4, 3, 2, 1] };
    expect(keepOf([l], { pattern: '2:4', ratio: 0.5 }).keep.a).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });
  it('NaN is never pruned in exact mode', () => {
    const l = { name: 'a', shape: [1, 4], scores: [NaN, 1, NaN, NaN] };
    expect(keepOf([l], { pattern: '2:4', ratio: 0.5 }).keep.a).toEqual([1, 0, 1, 1]);
  });
});

describe('oracle: global scope', () => {
  it('exact mode breaks ties by the index over the layers concatenated in record order', () => {
    const layers = [
      { name: 'b', shape: [1, 2], scores: [1, 1] },
      { name: 'a', shape: [1, 2], scores: [1, 1] },
    ];
    // max 1: the default cap (0.98) would stop a 2-block layer at 1
    const exact = keepOf(layers, { pattern: '1x1', ratio: 0.5, scope: 'global', max_sparsity_ratio_per_op: 1 });
    expect(exact.keep).toEqual({ b: [0, 0], a: [1, 1] });
    expect(Object.keys(exact.keep)).toEqual(['b', 'a']);
    const threshold = keepOf(layers, {
      pattern: '1x1',
      ratio: 0.5,
      scope: 'global',
      tie_mode: 'threshold',
      max_sparsity_ratio_per_op: 1,
    });
    expect(threshold.keep).toEqual({ b: [0, 0], a: [0, 0] });
  });

  it('global and local differ', () => {
    const layers = [
      { name: 'a', shape: [1, 4], scores: [1, 2, 3, 4] },
      { name: 'b', shape: [1, 4], scores: [10, 20, 30, 40] },
    ];
    expect(keepOf(layers, { pattern: '1x1', ratio: 0.5, scope: 'global', max_sparsity_ratio_per_op: 1 }).keep).toEqual({
      a: [0, 0, 0, 0],
      b: [1, 1, 1, 1],
    });
    expect(keepOf(layers, { pattern: '1x1', ratio: 0.5, scope: 'local' }).keep).toEqual({
      a: [0, 0, 1, 1],
      b: [0, 0, 1, 1],
    });
  });

  it('max_sparsity_ratio_per_op freezes a layer at its cap and re-solves the rest', () => {
    const layers = [
      { name: 'a', shape: [1, 4], scores: [0.1, 0.2, 0.3, 0.4] },
      { name: 'b', shape: [1, 4], scores: [1, 2, 3, 4] },
    ];
    for (const tie_mode of ['exact', 'threshold'] as const) {
      const r = keepOf(layers, { pattern: '1x1', ratio: 0.5, tie_mode, max_sparsity_ratio_per_op: 0.5 });
      expect(r.keep).toEqual({ a: [0, 0, 1, 1], b: [0, 0, 1, 1] });
    }
  });

  it('threshold mode: the frozen layer keeps the reference tie rule and its pruned count leaves the budget', () => {
    const layers = [
      { name: 'a', shape: [1, 4], scores: [0, 0, 0, 0] },
      { name: 'b', shape: [1, 4], scores: [1, 2, 3, 4] },
    ];
    // kthvalue(4) = 0 -> a would be 100% > 0.5: frozen at kthvalue(a, 2) = 0, which prunes all four zeros,
    // leaving 4 - 4 = 0 for b (the reference's behaviour with ties).
    expect(
      keepOf(layers, { pattern: '1x1', ratio: 0.5, tie_mode: 'threshold', max_sparsity_ratio_per_op: 0.5 }).keep,
    ).toEqual({
      a: [0, 0, 0, 0],
      b: [1, 1, 1, 1],
    });
    // exact mode: exactly 2 in a, and 2 in b.
    expect(keepOf(layers, { pattern: '1x1', ratio: 0.5, max_sparsity_ratio_per_op: 0.5 }).keep).toEqual({
      a: [0, 0, 1, 1],
      b: [0, 0, 1, 1],
    });
  });

  it('min_sparsity_ratio_per_op gives every layer its floor', () => {
    const layers = [
      { name: 'a', shape: [1, 4], scores: [5, 6, 7, 8] },
      { name: 'b', shape: [1, 4], scores: [1, 2, 3, 4] },
    ];
    for (const tie_mode of ['exact', 'threshold'] as const) {
      // max 1 so that no cap interferes (the default 0.98 caps a 4-block layer at 3)
      const bounds = { max_sparsity_ratio_per_op: 1 };
      const r = keepOf(layers, { pattern: '1x1', ratio: 0.5, tie_mode, ...bounds, min_sparsity_ratio_per_op: 0.25 });
      expect(r.keep).toEqual({ a: [0, 1, 1, 1], b: [0, 0, 0, 1] });
      // without the floor, b takes everything
      expect(keepOf(layers, { pattern: '1x1', ratio: 0.5, tie_mode, ...bounds }).keep).toEqual({
        a: [1, 1, 1, 1],
        b: [0, 0, 0, 0],
      });
      // with the default cap, b stops at 3 and a gives one
      expect(keepOf(layers, { pattern: '1x1', ratio: 0.5, tie_mode }).keep).toEqual({
        a: [0, 1, 1, 1],
        b: [0, 0, 0, 1],
      });
      // the floor does not apply in local scope
      expect(
        keepOf(layers, { pattern: '1x1', ratio: 0.25, scope: 'local', tie_mode, min_sparsity_ratio_per_op: 0.5 }).keep,
      ).toEqual({
        a: [0, 1, 1, 1],
        b: [0, 1, 1, 1],
      });
    }
  });

  it('exact mode: floors above the target win, caps below it win', () => {
    const layers = [
      { name: 'a', shape: [1, 4], scores: [5, 6, 7, 8] },
      { name: 'b', shape: [1, 4], scores: [1, 2, 3, 4] },
    ];
    // k = 1 but each layer needs 2
    expect(keepOf(layers, { pattern: '1x1', ratio: 0.125, min_sparsity_ratio_per_op: 0.5 }).result.prunedUnits).toEqual(
      { a: 2, b: 2 },
    );
    // k = 8 but each layer may prune 1
    expect(keepOf(layers, { pattern: '1x1', ratio: 1, max_sparsity_ratio_per_op: 0.25 }).result.prunedUnits).toEqual({
      a: 1,
      b: 1,
    });
  });
});

describe('oracle: exact mode with caps equals the reference freeze-and-re-solve loop', () => {
  // The loop, written out with exact selection: take the k smallest (score, index) over the active layers;
  // freeze every layer above its cap at its own cap smallest; take their count off k; repeat.
  function freezeLoop(layers: number[][], ratio: number, maxRatio: number): number[][] {
    const hi = layers.map((l) => Math.floor(maxRatio * l.length + 1e-9));
    const pruned = layers.map((l) => l.map(() => 0));
    let active = layers.map((_, j) => j);
    let k = Math.floor(ratio * layers.reduce((a, l) => a + l.length, 0) + 1e-9);
    for (;;) {
      const cands = active.flatMap((j) => layers[j].map((s, i) => [s, j, i]));
      cands.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
      const counts = new Map<number, number>(active.map((j) => [j, 0]));
      const chosen = cands.slice(0, Math.max(0, k));
      for (const [, j] of chosen) counts.set(j, (counts.get(j) as number) + 1);
      const over = active.filter((j) => (counts.get(j) as number) > hi[j]);
      if (over.length === 0) {
        for (const [, j, i] of chosen) pruned[j][i] = 1;
        return pruned;
      }
      for (const j of over) {
        const order = layers[j].map((s, i) => [s, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        for (const [, i] of order.slice(0, hi[j])) pruned[j][i] = 1;
        k -= hi[j];
      }
      active = active.filter((j) => !over.includes(j));
    }
  }

  it('on random layers with many ties', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const layers = Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * 6) * (rand() < 0.5 ? 1 : 0.25)),
      );
      const ratio = Math.floor(rand() * 21) / 20;
      const maxRatio = Math.floor(rand() * 21) / 20;
      const want = freezeLoop(layers, ratio, maxRatio);
      const got = keepOf(
        layers.map((scores, j) => ({ name: `l${j}`, shape: [1, scores.length], scores })),
        { pattern: '1x1', ratio, max_sparsity_ratio_per_op: maxRatio },
      ).keep;
      layers.forEach((_, j) => expect(got[`l${j}`].map((x) => 1 - x)).toEqual(want[j]));
    }
  });
});

describe('oracle: NaN scores', () => {
  const layer = { name: 'a', shape: [1, 4], scores: [NaN, 1, 2, NaN] };
  it('exact mode never prunes NaN, even when k asks for more', () => {
    expect(keepOf([layer], { pattern: '1x1', ratio: 1, max_sparsity_ratio_per_op: 1 }).keep.a).toEqual([1, 0, 0, 1]);
  });
  it('threshold mode: NaN sorts last in kthvalue; a NaN threshold prunes nothing', () => {
    expect(keepOf([layer], { pattern: '1x1', ratio: 0.5, tie_mode: 'threshold' }).keep.a).toEqual([1, 0, 0, 1]);
    expect(keepOf([layer], { pattern: '1x1', ratio: 0.75, tie_mode: 'threshold' }).keep.a).toEqual([1, 1, 1, 1]);
  });
  it('a NaN in a block makes the block score NaN (mean, sum, max)', () => {
    const l = { name: 'a', shape: [1, 8], scores: [NaN, 0, 0, 0, 1, 1, 1, 1] };
    for (const reduce of ['mean', 'sum', 'max'] as const) {
      expect(keepOf([l], { pattern: '1x4', ratio: 0.5, reduce }).keep.a).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    }
  });
});

describe('oracle: 4-D conv weights and skipped layers', () => {
  it('a conv [cout, cin, kh, kw] is pruned in its [cout, kh*kw*cin] view and the mask comes back in its own layout', () => {
    // shape [2, 2, 1, 2]: buffer index ((o*2 + c)*1 + h)*2 + w. View row o = [w0c0, w0c1, w1c0, w1c1].
    // o = 0 buffer [c0w0, c0w1, c1w0, c1w1] = [1, 9, 1, 9] -> view [1, 1, 9, 9]; o = 1 all 5.
    const conv = { name: 'conv', shape: [2, 2, 1, 2], scores: [1, 9, 1, 9, 5, 5, 5, 5] };
    // 1x2 blocks in the view: (o0, w0) = 1, (o0, w1) = 9, (o1, *) = 5 -> k = 1 prunes (o0, w0) = buffer 0 and 2
    expect(keepOf([conv], { pattern: '1x2', ratio: 0.25 }).keep.conv).toEqual([0, 1, 0, 1, 1, 1, 1, 1]);
    // 1:2 N:M groups are the (w, both c) pairs of the view as well
    const conv2 = { name: 'conv', shape: [1, 2, 1, 2], scores: [1, 4, 2, 3] }; // view [c0w0, c1w0, c0w1, c1w1] = [1, 2, 4, 3]
    expect(keepOf([conv2], { pattern: '1:2', ratio: 0.5 }).keep.conv).toEqual([0, 1, 1, 0]);
  });

  it('layers the pattern does not divide, and 1-D layers, are skipped with a reason and kept whole', () => {
    const layers = [
      { name: 'odd', shape: [3, 4], scores: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] },
      { name: 'bias', shape: [4], scores: [0, 0, 0, 0] },
      { name: 'ok', shape: [4, 1], scores: [1, 2, 3, 4] },
    ];
    const { keep, result } = keepOf(layers, { pattern: '4x1', ratio: 1, max_sparsity_ratio_per_op: 1 });
    expect(keep.odd).toEqual(Array(12).fill(1));
    expect(keep.bias).toEqual([1, 1, 1, 1]);
    expect(keep.ok).toEqual([0, 0, 0, 0]);
    expect(result.skipped.odd).toMatch(/odd: .*cannot be divided by pattern "4x1".*3 rows are not a multiple of 4/);
    expect(result.skipped.bias).toMatch(/rank 1/);
    expect(Object.keys(result.prunedUnits)).toEqual(['ok']);
  });

  it('rejects bad input', () => {
    const l = { name: 'a', shape: [2, 2], scores: Float32Array.from([1, 2, 3, 4]) };
    expect(() => referenceMasks([l], { pattern: '4y1', ratio: 0.5 })).toThrow(/4y1/);
    expect(() => referenceMasks([l], { pattern: '1x1', ratio: 1.5 })).toThrow(ArgumentError);
    expect(() => referenceMasks([l, l], { pattern: '1x1', ratio: 0.5 })).toThrow(/duplicate/);
    expect(() => referenceMasks([{ ...l, scores: new Float32Array(3) }], { pattern: '1x1', ratio: 0.5 })).toThrow(
      /length 3/,
    );
    expect(() =>
      referenceMasks([l], {
        pattern: '1x1',
        ratio: 0.5,
        min_sparsity_ratio_per_op: 0.6,
        max_sparsity_ratio_per_op: 0.5,
      }),
    ).toThrow(/exceeds/);
    expect(() => referenceMasks([l], { pattern: '1x1', ratio: 0.5, max_sparsity_ratio_per_op: 2 })).toThrow(
      /max_sparsity_ratio_per_op/,
    );
    expect(() => referenceMasks([l], { pattern: '1x1', ratio: 0.5, scope: 'layer' as 'local' })).toThrow(
      /unknown scope "layer"/,
    );
    expect(() => referenceMasks([l], { pattern: '1x1', ratio: 0.5, tie_mode: 'loose' as 'exact' })).toThrow(
      /unknown tie_mode "loose"/,
    );
    expect(() => referenceMasks([l], { pattern: '1x1', ratio: 0.5, reduce: 'median' as 'sum' })).toThrow(
      /criterion_reduce_type/,
    );
  });
});
