// computeMasks (native kernels) against the sorting oracle of test/support/reference-masks.ts and the
// PyTorch-made vectors of test/fixtures/vectors/masks.json: identical masks, pruned counts and skip reasons, for
// every pattern, scope, tie mode and reduction, on every instruction set this CPU runs.

import { ArgumentError } from '../../lib/errors';
import { applyMasks, computeMasks, type MaskOptions } from '../../lib/pruning/masks';
import type { ReduceType } from '../../lib/pruning/patterns';
import { setSimd, simdInfo, type SimdLevel } from '../../lib/simd';
import { referenceMasks, type OracleLayer } from '../support/reference-masks';
import { rng } from '../support/random';
import { expectedKeep, loadMaskCases, magnitudeLayers } from '../support/mask-vectors';

const info = simdInfo();
const ISAS: SimdLevel[] = info.supported;
afterAll(() => setSimd(info.active));

function onEveryIsa(fn: (isa: SimdLevel) => void): void {
  try {
    for (const isa of ISAS) {
      setSimd(isa);
      fn(isa);
    }
  } finally {
    setSimd(info.active);
  }
}

/** Whole-buffer comparison that names the layer and the first differing byte. */
function expectSameMask(got: Uint8Array, want: Uint8Array, label: string): void {
  const equal = Buffer.from(got.buffer, got.byteOffset, got.length).equals(
    Buffer.from(want.buffer, want.byteOffset, want.length),
  );
  if (!equal) {
    let i = 0;
    while (i < want.length && got[i] === want[i]) i++;
    throw new Error(
      `${label}: masks differ (length ${got.length} vs ${want.length}, first difference at ${i}: ${got[i]} vs ${want[i]})`,
    );
  }
}

function expectSameResult(
  got: ReturnType<typeof computeMasks>,
  want: ReturnType<typeof referenceMasks>,
  label: string,
): void {
  expect(Object.keys(got.masks)).toEqual(Object.keys(want.masks));
  for (const name of Object.keys(want.masks))
    expectSameMask(got.masks[name], want.masks[name], `${label} layer ${name}`);
  expect({ label, pruned: got.prunedUnits }).toEqual({ label, pruned: want.prunedUnits });
  expect({ label, skipped: got.skipped }).toEqual({ label, skipped: want.skipped });
}

// ---- test/fixtures/vectors/masks.json ------------------------------------------------------------------------

const vectorCases = loadMaskCases();

describe('test/fixtures/vectors/masks.json', () => {
  it('has the 44 cases', () => expect(vectorCases.length).toBe(44));

  it.each(
    vectorCases.map((c, i) => [i, `${c.pattern} ${c.scope} ${c.tie_mode} ${c.reduce} ratio=${c.ratio}`, c] as const),
  )('case %d: %s, on every instruction set', (_i, label, c) => {
    const layers = magnitudeLayers(c);
    const options: MaskOptions = {
      pattern: c.pattern,
      ratio: c.ratio,
      reduce: c.reduce,
      scope: c.scope,
      tie_mode: c.tie_mode,
    };
    const oracle = referenceMasks(layers, options);
    onEveryIsa((isa) => {
      const got = computeMasks(layers, options);
      for (const name of Object.keys(c.layers))
        expectSameMask(got.masks[name], expectedKeep(c, name), `${isa} ${label} ${name}`);
      expectSameResult(got, oracle, `${isa} ${label}`);
    });
  });
});

// ---- random and adversarial layers ------------------------------------------------------------------------

type ScoreKind = 'normal' | 'all-equal' | 'zeros' | 'nan' | 'mostly-nan' | 'few-values' | 'signed-special';
const SCORE_KINDS: ScoreKind[] = ['normal', 'all-equal', 'zeros', 'nan', 'mostly-nan', 'few-values', 'signed-special'];

function scoresOf(n: number, kind: ScoreKind, next: () => number): Float32Array {
  const s = new Float32Array(n);
  const special = [
    NaN,
    -NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    3.4028234663852886e38,
    1.401298464324817e-45,
    -1.401298464324817e-45,
    1.1754943508222875e-38,
  ];
  for (let i = 0; i < n; i++) {
    const u = next();
    switch (kind) {
      case 'normal':
        s[i] = Math.abs(Math.log(next() + 1e-12) * 0.05) * (next() + 0.5);
        break;
      case 'all-equal':
        s[i] = 0.25;
        break;
      case 'zeros':
        s[i] = u < 0.6 ? (next() < 0.5 ? 0 : -0) : next();
        break;
      case 'nan':
        s[i] = u < 0.2 ? NaN : u < 0.3 ? 0 : next();
        break;
      case 'mostly-nan':
        s[i] = u < 0.8 ? NaN : next();
        break;
      case 'few-values':
        s[i] = Math.floor(u * 4) / 8;
        break;
      case 'signed-special':
        s[i] =
          u < 0.3 ? special[Math.floor(next() * special.length)] : (next() - 0.5) * 2 ** Math.floor(next() * 40 - 20);
        break;
    }
  }
  return s;
}

/** Layers for a pattern: mostly divisible, one 4-D conv, one the block does not divide, one empty, one 1-D. */
function layersFor(pattern: string, kind: ScoreKind, seed: number): OracleLayer[] {
  const next = rng(seed);
  const shapes: number[][] = pattern.includes(':')
    ? [[6, 16], [4, 8, 1, 2], [3, 24], [2, 7], [0, 8], [5]]
    : [[8, 12], [16, 4, 1, 3], [4, 20], [6, 5], [0, 4], [7]];
  return shapes.map((shape, j) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name: `layer${j}`, shape, scores: scoresOf(size, kind, next) };
  });
}

const PATTERNS = [
  '1x1',
  '2x1',
  '4x1',
  '1x4',
  '2x2',
  'channelx1',
  '1xchannel',
  '2:4',
  '1:4',
  '3:8',
  '1:2',
  '2:3',
  '5:16',
];
const REDUCES: ReduceType[] = ['mean', 'sum', 'max'];

describe('computeMasks equals the oracle on random and adversarial layers', () => {
  it.each(PATTERNS)(
    'pattern %s: every score kind, scope, tie mode, reduce, ratio, on every instruction set',
    (pattern) => {
      let seed = 1;
      let runs = 0;
      for (const kind of SCORE_KINDS) {
        const layers = layersFor(pattern, kind, seed++);
        for (const scope of ['global', 'local'] as const) {
          for (const tie_mode of ['exact', 'threshold'] as const) {
            for (const reduce of pattern.includes(':') ? (['mean'] as ReduceType[]) : REDUCES) {
              for (const ratio of [0, 0.37, 0.5, 1]) {
                const options: MaskOptions = { pattern, ratio, reduce, scope, tie_mode };
                const want = referenceMasks(layers, options);
                onEveryIsa((isa) => {
                  expectSameResult(
                    computeMasks(layers, options),
                    want,
                    `${isa} ${pattern} ${kind} ${scope} ${tie_mode} ${reduce} ratio=${ratio}`,
                  );
                  runs++;
                });
              }
            }
          }
        }
      }
      expect(runs).toBeGreaterThan(0);
    },
  );
});

describe('per-layer bounds: caps with freeze-and-re-solve, floors', () => {
  const bounds: Array<Pick<MaskOptions, 'max_sparsity_ratio_per_op' | 'min_sparsity_ratio_per_op'>> = [
    { max_sparsity_ratio_per_op: 0.5 },
    { max_sparsity_ratio_per_op: 0.2 },
    { max_sparsity_ratio_per_op: 1 },
    { max_sparsity_ratio_per_op: 0 },
    { max_sparsity_ratio_per_op: 0.6, min_sparsity_ratio_per_op: 0.3 },
    { max_sparsity_ratio_per_op: 0.9, min_sparsity_ratio_per_op: 0.5 },
    { max_sparsity_ratio_per_op: 0.4, min_sparsity_ratio_per_op: 0.4 },
  ];
  // Layers of very different score scales, so that the global order wants to empty some and spare others.
  function skewed(kind: ScoreKind, seed: number): OracleLayer[] {
    const next = rng(seed);
    return [
      [8, 8],
      [4, 16],
      [12, 4],
      [2, 2, 2, 2],
      [4, 6],
    ].map((shape, j) => {
      const s = scoresOf(
        shape.reduce((a, b) => a * b, 1),
        kind,
        next,
      );
      const scale = [1e-3, 1, 10, 0.5, 1e3][j];
      return { name: `l${j}`, shape, scores: s.map((x) => x * scale) };
    });
  }
  it.each(['1x1', '2x1', '1x2', '2x2'])('pattern %s', (pattern) => {
    let seed = 100;
    for (const kind of SCORE_KINDS) {
      const layers = skewed(kind, seed++);
      for (const bound of bounds) {
        for (const tie_mode of ['exact', 'threshold'] as const) {
          for (const scope of ['global', 'local'] as const) {
            for (const ratio of [0.1, 0.45, 0.8, 1]) {
              const options: MaskOptions = { pattern, ratio, tie_mode, scope, reduce: 'max', ...bound };
              if (
                scope === 'global' &&
                (bound.min_sparsity_ratio_per_op ?? 0) > (bound.max_sparsity_ratio_per_op ?? 0.98)
              )
                continue;
              const want = referenceMasks(layers, options);
              onEveryIsa((isa) =>
                expectSameResult(
                  computeMasks(layers, options),
                  want,
                  `${isa} ${pattern} ${kind} ${JSON.stringify(options)}`,
                ),
              );
            }
          }
        }
      }
    }
  });
});

describe('edge cases', () => {
  it('no layers, only skipped layers, an empty layer', () => {
    for (const tie_mode of ['exact', 'threshold'] as const) {
      expect(computeMasks([], { pattern: '4x1', ratio: 0.5, tie_mode })).toEqual({
        masks: {},
        prunedUnits: {},
        skipped: {},
      });
      const layers = [
        { name: 'bias', shape: [4], scores: new Float32Array(4) },
        { name: 'empty', shape: [0, 3], scores: new Float32Array(0) },
        { name: 'odd', shape: [3, 3], scores: new Float32Array(9) },
      ];
      const r = computeMasks(layers, { pattern: '2x1', ratio: 1, tie_mode });
      expect(r).toEqual(referenceMasks(layers, { pattern: '2x1', ratio: 1, tie_mode }));
      expect(Object.keys(r.skipped)).toEqual(['bias', 'empty', 'odd']);
      expect(Array.from(r.masks.odd)).toEqual(Array(9).fill(1));
    }
  });

  it('ratio 1 with no cap prunes every non-NaN unit; NaN units stay', () => {
    const scores = Float32Array.from([NaN, 1, 0, -0, Infinity, NaN, 2, 3]);
    const r = computeMasks([{ name: 'a', shape: [2, 4], scores }], {
      pattern: '1x1',
      ratio: 1,
      max_sparsity_ratio_per_op: 1,
    });
    expect(Array.from(r.masks.a)).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    expect(r.prunedUnits.a).toBe(6);
  });

  it('many ties over a layer large enough to be split across threads: exactly k, ties by index', () => {
    // 2M scores in three values: the threshold value's ties straddle the pieces of the parallel emission.
    const n = 1 << 21;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) scores[i] = (i * 7919) % 3;
    const ratio = 0.5;
    const k = Math.floor(ratio * n);
    onEveryIsa((isa) => {
      const { masks, prunedUnits } = computeMasks([{ name: 'big', shape: [1024, 2048], scores }], {
        pattern: '1x1',
        ratio,
        max_sparsity_ratio_per_op: 1,
      });
      expect(prunedUnits.big).toBe(k);
      // Pruned: every 0, then the first (k - zeros) ones in index order.
      let zeros = 0;
      for (let i = 0; i < n; i++) zeros += scores[i] === 0 ? 1 : 0;
      let onesLeft = k - zeros;
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) {
        const want = scores[i] === 0 ? 0 : scores[i] === 1 && onesLeft-- > 0 ? 0 : 1;
        if (masks.big[i] !== want) bad = i;
      }
      expect({ isa, bad }).toEqual({ isa, bad: -1 });
    });
  });
});

describe('into: reusing mask buffers', () => {
  it('writes into the given buffers, whatever they held, and allocates the others', () => {
    const next = rng(7);
    const layers = layersFor('2x1', 'few-values', 9);
    const options: MaskOptions = { pattern: '2x1', ratio: 0.4 };
    const first = computeMasks(layers, options);
    const reuse: Record<string, Uint8Array> = {};
    for (const [name, m] of Object.entries(first.masks))
      if (name !== 'layer2') reuse[name] = m.map(() => Math.floor(next() * 3));
    const again = computeMasks(layers, options, reuse);
    for (const name of Object.keys(reuse)) expect(again.masks[name]).toBe(reuse[name]);
    expect(again.masks.layer2).not.toBe(first.masks.layer2);
    expect(again).toEqual(first);
  });
});

describe('input errors, before anything is written', () => {
  const layer = { name: 'a', shape: [2, 2], scores: Float32Array.from([1, 2, 3, 4]) };
  const buffer = () => ({ a: Uint8Array.from([7, 7, 7, 7]) });

  it.each([
    ['an unknown pattern', [layer], { pattern: '4y1', ratio: 0.5 }, /unknown pruning pattern "4y1"/],
    ['a ratio above 1', [layer], { pattern: '1x1', ratio: 1.5 }, /ratio must be a finite number in \[0, 1\], got 1.5/],
    ['a negative ratio', [layer], { pattern: '1x1', ratio: -0.1 }, /ratio must be/],
    ['a NaN ratio', [layer], { pattern: '1x1', ratio: NaN }, /ratio must be/],
    [
      'a cap out of range',
      [layer],
      { pattern: '1x1', ratio: 0.5, max_sparsity_ratio_per_op: 2 },
      /max_sparsity_ratio_per_op/,
    ],
    [
      'a floor above the cap',
      [layer],
      { pattern: '1x1', ratio: 0.5, min_sparsity_ratio_per_op: 0.6, max_sparsity_ratio_per_op: 0.5 },
      /exceeds/,
    ],
    ['an unknown scope', [layer], { pattern: '1x1', ratio: 0.5, scope: 'layer' }, /unknown scope "layer"/],
    ['an unknown tie mode', [layer], { pattern: '1x1', ratio: 0.5, tie_mode: 'loose' }, /unknown tie_mode "loose"/],
    ['an unknown reduce', [layer], { pattern: '1x1', ratio: 0.5, reduce: 'median' }, /criterion_reduce_type/],
    ['a duplicate name', [layer, layer], { pattern: '1x1', ratio: 0.5 }, /duplicate layer name "a"/],
    [
      'a shape that does not match',
      [{ ...layer, shape: [3, 2] }],
      { pattern: '1x1', ratio: 0.5 },
      /a: scores length 4 does not match shape \[3, 2\]/,
    ],
    [
      'scores that are not float32',
      [{ ...layer, scores: [1, 2, 3, 4] }],
      { pattern: '1x1', ratio: 0.5 },
      /a: scores must be a Float32Array/,
    ],
    ['a malformed shape', [{ ...layer, shape: [2, -2] }], { pattern: '1x1', ratio: 0.5 }, /non-negative integers/],
  ])('%s', (_what, layers, options, message) => {
    const into = buffer();
    expect(() => computeMasks(layers as never, options as never, into)).toThrow(message);
    expect(Array.from(into.a)).toEqual([7, 7, 7, 7]);
  });

  it('a mask buffer of the wrong type or length', () => {
    expect(() => computeMasks([layer], { pattern: '1x1', ratio: 0.5 }, { a: new Uint8Array(3) })).toThrow(
      /into\["a"\] has 3 elements, the layer has 4/,
    );
    expect(() => computeMasks([layer], { pattern: '1x1', ratio: 0.5 }, { a: new Int8Array(4) as never })).toThrow(
      ArgumentError,
    );
  });
});

describe('applyMasks', () => {
  it('zeroes the pruned weights (and grads) in place, +0, and leaves the others bit for bit', () => {
    const next = rng(3);
    for (const n of [0, 1, 7, 8, 15, 16, 17, 33, 100, 1031]) {
      const w0 = scoresOf(n, 'signed-special', next);
      const g0 = scoresOf(n, 'signed-special', next);
      const keep = Uint8Array.from({ length: n }, () => (next() < 0.4 ? 0 : next() < 0.5 ? 1 : 2));
      const want = (src: Float32Array) => {
        const out = Float32Array.from(src);
        for (let i = 0; i < n; i++) if (keep[i] === 0) out[i] = 0;
        return new Uint32Array(out.buffer);
      };
      onEveryIsa((isa) => {
        // at an odd offset inside a larger buffer: unaligned, and the neighbours must not change
        const wBuf = new Float32Array(n + 3).fill(5);
        const w = wBuf.subarray(1, n + 1);
        w.set(w0);
        const g = Float32Array.from(g0);
        applyMasks(w, keep, g);
        expect({ isa, n, w: Array.from(new Uint32Array(w.slice().buffer)) }).toEqual({
          isa,
          n,
          w: Array.from(want(w0)),
        });
        expect({ isa, n, g: Array.from(new Uint32Array(g.buffer)) }).toEqual({ isa, n, g: Array.from(want(g0)) });
        expect([wBuf[0], wBuf[n + 1], wBuf[n + 2]]).toEqual([5, 5, 5]);
        const wOnly = Float32Array.from(w0);
        applyMasks(wOnly, keep);
        expect(Array.from(new Uint32Array(wOnly.buffer))).toEqual(Array.from(want(w0)));
      });
    }
  });

  it('with computeMasks: the pruned weights are exactly the zeros of the mask', () => {
    const w = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * (i % 5));
    const { masks } = computeMasks([{ name: 'w', shape: [8, 8], scores: w.map(Math.abs) }], {
      pattern: '2:4',
      ratio: 0.5,
    });
    applyMasks(w, masks.w);
    masks.w.forEach((k, i) => (k ? undefined : expect(Object.is(w[i], 0)).toBe(true)));
  });

  it('rejects bad arguments before writing', () => {
    const w = Float32Array.from([1, 2]);
    expect(() => applyMasks(w, new Uint8Array(3))).toThrow('applyMasks: keep has 3 elements, weight has 2');
    expect(() => applyMasks(w, new Uint8Array(2), new Float32Array(1))).toThrow(
      'applyMasks: grad has 1 elements, weight has 2',
    );
    expect(() => applyMasks([1, 2] as never, new Uint8Array(2))).toThrow(ArgumentError);
    expect(() => applyMasks(w, [0, 0] as never)).toThrow(ArgumentError);
    expect(() => applyMasks(w, new Uint8Array(2), new Float64Array(2) as never)).toThrow(ArgumentError);
    expect(Array.from(w)).toEqual([1, 2]);
  });
});
