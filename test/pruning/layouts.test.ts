/**
 * Layouts: a weight handed in as `[in, out]` ("io") or `[kh, kw, cin, cout]` ("hwio") gets, bit for bit, the
 * mask the same weight gets as `[out, in]` / `[cout, cin, kh, kw]` (transposed back), for every pattern, both
 * tie modes and both scopes; ties break by the [out, in] index in exact mode (the weights below are small
 * integers, so ties are everywhere).
 */
import { computeMasks, GlobalSelection, Pruning, pruneOneShot } from '../../lib/pruning';
import type { Modules } from '../../lib/criteria';
import { ShapeError } from '../../lib/errors';
import { rng } from '../support/random';

/** index in the tfjs buffer of each PyTorch-layout element (so tf[map[i]] = pt[i]). */
function toTf(shape: number[]): { tfShape: number[]; map: Uint32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const map = new Uint32Array(n);
  if (shape.length === 2) {
    const [o, i] = shape;
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) map[r * i + c] = c * o + r;
    return { tfShape: [i, o], map };
  }
  const [co, ci, kh, kw] = shape;
  for (let o = 0; o < co; o++)
    for (let c = 0; c < ci; c++)
      for (let h = 0; h < kh; h++)
        for (let w = 0; w < kw; w++) map[((o * ci + c) * kh + h) * kw + w] = ((h * kw + w) * ci + c) * co + o;
  return { tfShape: [kh, kw, ci, co], map };
}

function permute<T extends Float32Array | Uint8Array>(src: T, map: Uint32Array): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  for (let i = 0; i < src.length; i++) out[map[i]] = src[i];
  return out;
}

const SHAPES: Record<string, number[]> = { conv: [8, 4, 3, 3], fc1: [16, 8], fc2: [8, 16] };

function models(seed: number) {
  const next = rng(seed);
  const pt: Modules = {};
  const tf: Modules = {};
  const maps: Record<string, Uint32Array> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const w = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => Math.floor(next() * 8) - 4);
    const { tfShape, map } = toTf(shape);
    maps[name] = map;
    pt[name] = { weight: w, shape };
    tf[name] = { weight: permute(w, map), shape: tfShape, layout: shape.length === 2 ? 'io' : 'hwio' };
  }
  return { pt, tf, maps };
}

const PATTERNS: Array<[string, number]> = [
  ['1x1', 0.7],
  ['4x1', 0.6],
  ['1x4', 0.6],
  ['2x2', 0.5],
  ['2:4', 0.5],
  ['2:4', 0.3],
  ['1:4', 0.15],
  ['channelx1', 0.5],
  ['1xchannel', 0.4],
];

describe.each(['exact', 'threshold'] as const)('tie mode %s', (tie_mode) => {
  describe.each(['global', 'local'] as const)('scope %s', (scope) => {
    test.each(PATTERNS)('pruneOneShot %s at %s: tfjs layouts give the PyTorch masks', (pattern, sparsity) => {
      const { pt, tf, maps } = models(7);
      const a = pruneOneShot(pt, { sparsity, pattern, criterion: 'magnitude', tie_mode, scope });
      const b = pruneOneShot(tf, { sparsity, pattern, criterion: 'magnitude', tie_mode, scope });
      expect(Object.keys(a.skipped)).toEqual(Object.keys(b.skipped));
      for (const name of Object.keys(SHAPES)) {
        expect(b.masks[name]).toEqual(permute(a.masks[name], maps[name]));
        expect(b.report.layers.find((l) => l.name === name)!.prunedBlocks).toBe(
          a.report.layers.find((l) => l.name === name)!.prunedBlocks,
        );
      }
      expect(a.report.pruned).toBeGreaterThan(0);
    });
  });
});

test.each(['exact', 'threshold'] as const)(
  'the driver, snip_momentum 4x1 iterative (%s): same masks every step',
  (tie_mode) => {
    const { pt, tf, maps } = models(11);
    const next = rng(3);
    const config = {
      pruning_type: 'snip_momentum',
      pattern: '4x1',
      target_sparsity: 0.8,
      start_step: 0,
      end_step: 6,
      pruning_frequency: 2,
      tie_mode,
    };
    const runs = [pt, tf].map((m) => new Pruning(config, m, { warn: () => {} }));
    runs.forEach((r) => r.onTrainBegin());
    for (let step = 0; step < 8; step++) {
      runs.forEach((r) => r.onStepBegin());
      for (const name of Object.keys(SHAPES)) {
        const g = new Float32Array(pt[name].weight.length).map(() => Math.floor(next() * 8) - 4);
        pt[name].grad = g;
        tf[name].grad = permute(g, maps[name]);
      }
      runs.forEach((r) => {
        r.onBeforeOptimizerStep();
        r.onAfterOptimizerStep();
        r.onStepEnd();
      });
      for (const name of Object.keys(SHAPES))
        expect(runs[1].masks[name]).toEqual(permute(runs[0].masks[name], maps[name]));
    }
    expect(runs[0].sparsity().pruned).toBeGreaterThan(0);
  },
);

test('computeMasks and GlobalSelection take the layout too', () => {
  const { pt, tf, maps } = models(5);
  const layers = (m: Modules) =>
    Object.keys(SHAPES).map((name) => ({
      name,
      shape: m[name].shape as number[],
      layout: m[name].layout,
      scores: m[name].weight.map(Math.abs),
    }));
  for (const pattern of ['4x1', '2:4']) {
    const a = computeMasks(layers(pt), { pattern, ratio: 0.5 });
    const b = computeMasks(layers(tf), { pattern, ratio: 0.5 });
    const sel = new GlobalSelection(layers(tf), { pattern, ratio: 0.5 });
    while (!sel.done) sel.advance(sel.histogram());
    const c = sel.masks();
    for (const name of Object.keys(SHAPES)) {
      expect(b.masks[name]).toEqual(permute(a.masks[name], maps[name]));
      expect(c.masks[name]).toEqual(b.masks[name]);
    }
  }
});

test('a layout that does not fit the shape is refused, naming the module', () => {
  const m: Modules = { fc: { weight: new Float32Array(8), shape: [2, 4], layout: 'hwio' } };
  expect(() => pruneOneShot(m, { sparsity: 0.5, pattern: '1x1' })).toThrow(ShapeError);
  expect(() => pruneOneShot(m, { sparsity: 0.5, pattern: '1x1' })).toThrow(
    /module "fc": layout "hwio" needs a 4-D weight/,
  );
  const bad = { fc: { weight: new Float32Array(8), shape: [2, 4], layout: 'xy' } } as unknown as Modules;
  expect(() => new Pruning({ pruning_type: 'magnitude' }, bad, { warn: () => {} })).toThrow(/unknown layout "xy"/);
});

test('"io": 4x1 is 4 along the output axis, i.e. 4 consecutive elements of an [in, out] row', () => {
  // [in 2, out 4]: out-axis neighbours are adjacent in the buffer. Row 0 small, row 1 large.
  const m: Modules = { fc: { weight: new Float32Array([1, 1, 1, 1, 9, 9, 9, 9]), shape: [2, 4], layout: 'io' } };
  const { masks } = pruneOneShot(m, { sparsity: 0.5, pattern: '4x1', criterion: 'magnitude' });
  expect([...masks.fc]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
});
