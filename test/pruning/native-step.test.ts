/**
 * The native pruning step (binding pruneStep / pruneStepAsync, native/runtime/prune_step.cc) against
 * independent expectations: the TypeScript target count (exact floor), the TypeScript INC loop
 * (lib/pruning/step-select.ts) on random layers, the masks the cuts imply, and the async call's
 * memory rules.
 */
import { binding } from '../../lib/native';
import { planLayer } from '../../lib/pruning/layer-plan';
import { runStep, runStepAsync, type StepLayer, type StepSpec } from '../../lib/pruning/native-step';
import { parsePattern, reduceBlocks } from '../../lib/pruning/patterns';
import { targetCount } from '../../lib/pruning/target';
import { setSimd, simdInfo } from '../../lib/simd';
import { selectStep, type StepSelectOptions } from '../../lib/pruning/step-select';
import { rng } from '../support/random';

function layer(name: string, rows: number, cols: number, pattern: string, scores: Float32Array): StepLayer {
  const { plan } = planLayer(name, [rows, cols], undefined, parsePattern(pattern));
  if (plan === null) throw new Error('not prunable');
  return { plan, scores, weight: null, keep: new Uint8Array(rows * cols).fill(1) };
}

/**
 * The units each layer prunes in INC's loop (`selectStep`, the TypeScript oracle): all layers in one scope
 * (global), or each layer in its own.
 */
function loopPruned(units: Float32Array[], global: boolean, o: StepSelectOptions): number[] {
  const scopes = global ? [units.map((_, j) => j)] : units.map((_, j) => [j]);
  const want = units.map(() => 0);
  for (const scope of scopes) {
    const sel = selectStep(
      scope.map((j) => units[j]),
      scope.map(() => 0),
      o,
    );
    if (!sel.unchanged) scope.forEach((j, i) => (want[j] = sel.cuts[i].pruned));
  }
  return want;
}

const spec = (over: Partial<StepSpec>): StepSpec => ({
  pattern: parsePattern('1x1'),
  reduce: 'mean',
  exact: true,
  global: true,
  ratio: 0.5,
  maxRatio: 0.98,
  minRatio: 0,
  targetRatio: 0.5,
  ...over,
});

describe('exact mode prunes targetCount(ratio, units): the native exact floor equals the TypeScript one', () => {
  const ratios = [0.29, 0.57, 1 / 3, 0.1, 0.7, 0.9, 0.123456789, 1e-7, 0.98, 0.5 + 2 ** -40, 0.3, 0.35];
  const counts = [1, 3, 10, 100, 1000, 4097, 12345];
  test.each(ratios)('ratio %p', (ratio) => {
    for (const count of counts) {
      const scores = new Float32Array(count).map((_, i) => i + 1);
      const l = layer('a', 1, count, '1x1', scores);
      const out = runStep([l], spec({ ratio, targetRatio: ratio, maxRatio: 1 }));
      expect([count, out.zeroUnits[0]]).toEqual([count, Math.min(targetCount(ratio, count), count)]);
    }
  });
  // The native side finds the shortest round-trip decimal of the ratio itself (snprintf/strtod: the prebuilt
  // binary may not use std::to_chars): short decimals d over counts that are multiples of 10^digits (where
  // the float product falls just below an integer: 0.57 * 100 = 56.99999999999999), and full doubles.
  test('random ratios: short decimals at multiples of their scale, and full doubles', () => {
    const next = rng(5);
    const cases: Array<[number, number]> = [];
    for (let i = 0; i < 400; i++) {
      const digits = 1 + Math.floor(next() * 4);
      const scale = 10 ** digits;
      const ratio = Math.max(1, Math.floor(next() * scale)) / scale;
      for (const count of [scale, 3 * scale, 7 * scale + 1]) cases.push([ratio, count]);
      cases.push([next(), 1 + Math.floor(next() * 100000)]);
    }
    const got = cases.map(([ratio, count]) => {
      const l = layer(
        'a',
        1,
        count,
        '1x1',
        new Float32Array(count).map((_, i) => i + 1),
      );
      return runStep([l], spec({ ratio, targetRatio: ratio, maxRatio: 1 })).zeroUnits[0];
    });
    expect(got).toEqual(cases.map(([ratio, count]) => Math.min(targetCount(ratio, count), count)));
  });
});

describe('the native loop equals the TypeScript INC loop on random layers', () => {
  const isas = simdInfo().supported;
  afterAll(() => setSimd(simdInfo().active));
  test.each(['exact', 'threshold'] as const)('%s mode, global and local, caps and mins', (mode) => {
    const next = rng(mode === 'exact' ? 11 : 12);
    for (let run = 0; run < 60; run++) {
      setSimd(isas[run % isas.length]);
      const pattern = ['1x1', '2x1', '1x4', '2x2'][run % 4];
      const [bn, bm] = pattern.split('x').map(Number);
      const layers = 1 + Math.floor(next() * 4);
      // few distinct values: ties at the threshold are common
      const levels = 2 + Math.floor(next() * 30);
      const input = Array.from({ length: layers }, (_, j) => {
        const rows = bn * (1 + Math.floor(next() * 6));
        const cols = bm * (1 + Math.floor(next() * 6));
        const scores = new Float32Array(rows * cols).map(() => Math.floor(next() * levels) / levels);
        if (next() < 0.2) scores[0] = NaN;
        return { rows, cols, scores, name: `l${j}` };
      });
      const o = {
        ratio: Math.floor(next() * 100) / 100,
        maxRatio: next() < 0.5 ? 0.98 : 0.3 + next() * 0.6,
        minRatio: next() < 0.5 ? 0 : next() * 0.3,
        targetRatio: 0.9,
      };
      const global = next() < 0.6;
      const units = input.map((l) => reduceBlocks(l.scores, l.rows, l.cols, pattern, 'mean'));
      const want = loopPruned(units, global, { exact: mode === 'exact', ...o });
      const step = input.map((l) => layer(l.name, l.rows, l.cols, pattern, l.scores));
      const got = runStep(step, spec({ pattern: parsePattern(pattern), exact: mode === 'exact', global, ...o }));
      expect({ run, zeros: got.zeroUnits }).toEqual({ run, zeros: want });
      // the masks prune whole blocks, as many as the zero units, each of them at or below every kept one
      step.forEach((l, j) => {
        const pruned = l.keep.reduce((a, k) => a + (k ^ 1), 0);
        expect(pruned).toBe(want[j] * bn * bm);
        expect(got.pruned[j]).toBe(pruned);
      });
    }
  });
});

describe('N:M: the native loop over group scores equals the TypeScript INC loop on random layers', () => {
  const isas = simdInfo().supported;
  afterAll(() => setSimd(simdInfo().active));
  // Group scores as INC computes them (the scores with the kept weights zeroed, mean over all M), in float32.
  function groupScores(scores: Float32Array, candidates: Uint8Array, m: number): Float32Array {
    const out = new Float32Array(scores.length / m);
    for (let g = 0; g < out.length; g++) {
      let acc = 0;
      for (let j = g * m; j < (g + 1) * m; j++) acc = Math.fround(acc + (candidates[j] ? 0 : scores[j]));
      out[g] = Math.fround(acc / m);
    }
    return out;
  }
  // M dividing 8 (merged 8 mask bytes at a time) and not; layers past one 16K-byte tile, odd group counts.
  test.each([
    [2, 4],
    [1, 3],
    [2, 5],
    [4, 8],
    [3, 16],
  ])('%i:%i, exact mode, global and local, weights zeroed', (n, m) => {
    const next = rng(100 * n + m);
    for (let run = 0; run < 12; run++) {
      setSimd(isas[run % isas.length]);
      const pattern = parsePattern(`${n}:${m}`);
      const levels = 2 + Math.floor(next() * 50);
      const input = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, j) => {
        const rows = 1 + Math.floor(next() * (run % 3 === 0 ? 300 : 9));
        const cols = m * (1 + Math.floor(next() * 13));
        const scores = new Float32Array(rows * cols).map(() => Math.floor(next() * levels) / levels);
        return { rows, cols, scores, name: `l${j}` };
      });
      const candidates = input.map((l) => {
        const keep = new Uint8Array(l.scores.length);
        binding.maskNM(l.scores, n, m, 'exact', keep);
        return keep;
      });
      const units = input.map((l, j) => groupScores(l.scores, candidates[j], m));
      const scale = m / n;
      const ratio = (Math.floor(next() * 100) / 100) * (n / m);
      const o = { ratio: ratio * scale, maxRatio: 0.98 * scale, minRatio: 0, targetRatio: 0.9 * scale };
      const global = next() < 0.5;
      const want = loopPruned(units, global, { exact: true, ...o });
      const step = input.map((l) => ({
        ...layer(l.name, l.rows, l.cols, `${n}:${m}`, l.scores),
        weight: l.scores.map((x) => x + 1),
      }));
      const got = runStep(step, {
        pattern,
        reduce: 'mean',
        exact: true,
        global,
        ratio,
        maxRatio: 0.98,
        minRatio: 0,
        targetRatio: 0.9,
      });
      expect({ run, zeros: got.zeroUnits }).toEqual({ run, zeros: want });
      step.forEach((l, j) => {
        // a group is dense or its candidates' mask; chosen groups score at most what dense ones do
        let chosen = 0,
          pruned = 0,
          highestChosen = -Infinity,
          lowestDense = Infinity;
        for (let g = 0; g < units[j].length; g++) {
          const group = l.keep.subarray(g * m, (g + 1) * m);
          const dense = group.every((k) => k === 1);
          const isCandidates = group.every((k, i) => k === candidates[j][g * m + i]);
          expect(dense || isCandidates).toBe(true);
          if (!dense) {
            chosen++;
            highestChosen = Math.max(highestChosen, units[j][g]);
          } else lowestDense = Math.min(lowestDense, units[j][g]);
          group.forEach((k) => (pruned += k ^ 1));
        }
        expect(chosen).toBe(want[j]);
        if (!global) expect(highestChosen <= lowestDense).toBe(true);
        expect(got.pruned[j]).toBe(pruned);
        expect(l.weight.every((w, i) => (l.keep[i] ? w === Math.fround(input[j].scores[i] + 1) : w === 0))).toBe(true);
      });
    }
  });
});

describe('the step zeroes the pruned weights and says what changed', () => {
  test('weights, changed flags, unchanged at ratio 0', () => {
    const scores = new Float32Array([4, 3, 2, 1, 1, 2, 6, 5]);
    const l = { ...layer('a', 2, 4, '1x2', scores), weight: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) };
    const first = runStep([l], spec({ pattern: parsePattern('1x2'), ratio: 0.5 }));
    // block means 3.5, 1.5, 1.5, 5.5: the two smallest are blocks 1 and 2
    expect([...l.keep]).toEqual([1, 1, 0, 0, 0, 0, 1, 1]);
    expect([...l.weight]).toEqual([1, 2, 0, 0, 0, 0, 7, 8]);
    expect(first).toEqual({ unchanged: false, zeroUnits: [2], pruned: [4], changed: [true] });
    const again = runStep([{ ...l, previousZeros: 2 }], spec({ pattern: parsePattern('1x2'), ratio: 0.5 }));
    expect(again.changed).toEqual([false]);
    const none = runStep([l], spec({ pattern: parsePattern('1x2'), ratio: 0 }));
    expect(none).toEqual({ unchanged: true, zeroUnits: [2], pruned: [4], changed: [false] });
  });
});

describe('pruneStepAsync: the same step on a worker thread, with the memory rules of the async calls', () => {
  test('equals the sync step', async () => {
    const next = rng(5);
    const make = () => {
      const n = new Float32Array(64 * 48).map(() => next());
      return [layer('a', 64, 48, '4x1', n), layer('b', 64, 48, '4x1', n.slice().reverse())];
    };
    const [a, b] = [make(), make()];
    b.forEach((l, j) => (l.scores as Float32Array).set(a[j].scores as Float32Array));
    const s = spec({ pattern: parsePattern('4x1'), ratio: 0.7 });
    const sync = runStep(a, s);
    const async = await runStepAsync(b, s);
    expect(async).toEqual(sync);
    a.forEach((l, j) => expect(b[j].keep).toEqual(l.keep));
  });

  test('a transfer of a buffer in flight copies it; a resizable buffer is refused', async () => {
    const l = layer(
      'a',
      8,
      8,
      '2x2',
      new Float32Array(64).map((_, i) => i),
    );
    const pending = runStepAsync([l], spec({ pattern: parsePattern('2x2') }));
    const buffer = l.keep.buffer as ArrayBuffer;
    const copy = structuredClone(buffer, { transfer: [buffer] });
    expect(l.keep.byteLength).toBe(64); // not detached: marked untransferable
    expect(copy.byteLength).toBe(64);
    await pending;
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    let resizable: ArrayBuffer;
    try {
      resizable = new Resizable(64, { maxByteLength: 128 });
    } catch {
      return; // this Node has no resizable ArrayBuffer
    }
    const r = { ...layer('b', 8, 8, '2x2', new Float32Array(64)), keep: new Uint8Array(resizable).fill(1) };
    if (!(resizable as unknown as { resizable: boolean }).resizable) return;
    expect(() => binding.pruneStepAsync(...argsOf(r))).toThrow(/resizable/);
  });
});

/** The raw arguments of a one-layer 2x2 step. */
function argsOf(l: StepLayer): Parameters<typeof binding.pruneStep> {
  return [
    [l.scores, null, l.keep, null, l.plan.unitScores, null],
    new Float64Array([l.plan.rows, l.plan.cols, l.plan.bn, l.plan.bm, -1]),
    new Float64Array([0, 0, 0, 0, 1, 1, 0.5, 0.98, 0, 0.5]),
    new Float64Array(3),
  ];
}
