// The raw binding checks every argument itself: calling it directly with bad input throws, never crashes.
import { binding } from '../lib/native';

const f32 = (n: number) => new Float32Array(n).fill(-1);

test('scoreAbs / scoreAbsMul / scoreMomentum compute and return 0 in "compute" mode', () => {
  const s = f32(3);
  expect(binding.scoreAbs(new Float32Array([-1, 2, -3]), s, 'compute')).toBe(0);
  expect(s).toEqual(new Float32Array([1, 2, 3]));
  expect(binding.scoreAbsMul(new Float32Array([-1, 2, -3]), new Float32Array([2, 2, 2]), s, 'compute')).toBe(0);
  expect(s).toEqual(new Float32Array([2, 4, 6]));
  expect(binding.scoreMomentum(new Float32Array([1, 1, 1]), new Float32Array([1, -1, 0]), s, 0.5, 2, 'compute')).toBe(
    0,
  );
  expect(s).toEqual(new Float32Array([3, 4, 3]));
});

test('"guarded" writes only when all terms are finite', () => {
  const s = f32(3);
  const w = new Float32Array([1, Infinity, 2]);
  expect(binding.scoreAbs(w, s, 'guarded')).toBe(1);
  expect(s).toEqual(f32(3));
  expect(binding.scoreAbsMul(new Float32Array([1e30, 0, 1]), new Float32Array([1e30, Infinity, 1]), s, 'guarded')).toBe(
    2,
  );
  expect(s).toEqual(f32(3));
  expect(binding.scoreAbs(new Float32Array([1, 2, 3]), s, 'guarded')).toBe(0);
  expect(s).toEqual(new Float32Array([1, 2, 3]));
});

test.each([
  ['a plain array', () => binding.scoreAbs([1] as never, f32(1), 'compute'), 'input must be a Float32Array'],
  [
    'a Float64Array',
    () => binding.scoreAbsMul(f32(1), new Float64Array(1) as never, f32(1), 'compute'),
    'grad must be a Float32Array',
  ],
  ['missing arguments', () => (binding.scoreMomentum as unknown as () => number)(), 'weight must be a Float32Array'],
  [
    'lengths that differ',
    () => binding.scoreAbsMul(f32(2), f32(3), f32(2), 'compute'),
    'weight has 2 elements but grad has 3',
  ],
  ['a short scores array', () => binding.scoreAbs(f32(4), f32(3), 'compute'), 'input has 4 elements but scores has 3'],
  ['a NaN alpha', () => binding.scoreMomentum(f32(1), f32(1), f32(1), NaN, 1, 'compute'), 'alpha must be finite'],
  [
    'a string beta',
    () => binding.scoreMomentum(f32(1), f32(1), f32(1), 1, '1' as never, 'compute'),
    'beta must be a number',
  ],
  [
    'an unknown mode',
    () => binding.scoreAbs(f32(1), f32(1), 'fast' as never),
    'mode must be "compute", "guarded" or "all-or-nothing"',
  ],
])('the binding refuses %s', (_what, call, message) => {
  expect(call).toThrow(message);
});

test('the binding refuses a detached buffer', () => {
  const w = f32(8);
  structuredClone(w.buffer, { transfer: [w.buffer] });
  expect(() => binding.scoreAbs(w, new Float32Array(0), 'compute')).toThrow(
    'input is backed by a detached ArrayBuffer',
  );
});

describe('scoreBatch', () => {
  const w = [new Float32Array([1, -2]), new Float32Array([3, NaN, 5])];
  const g = [new Float32Array([2, 2]), new Float32Array([1, 1, 1])];

  test('"guarded" scores each clean module and reports per-module counts', () => {
    const s = [f32(2), f32(3)];
    const counts = new Float64Array(2);
    expect(binding.scoreBatch('abs-mul', w, g, s, 0, 0, 'guarded', counts)).toBe(true);
    expect(Array.from(counts)).toEqual([0, 1]);
    expect(s[0]).toEqual(new Float32Array([2, 4]));
    expect(s[1]).toEqual(f32(3));
  });

  test('"all-or-nothing" writes nothing when any module has a non-finite term', () => {
    const s = [f32(2), f32(3)];
    const counts = new Float64Array(2);
    expect(binding.scoreBatch('abs', w, null, s, 0, 0, 'all-or-nothing', counts)).toBe(false);
    expect(Array.from(counts)).toEqual([0, 1]);
    expect(s).toEqual([f32(2), f32(3)]);
  });

  test.each([
    [
      'lists of different sizes',
      () => binding.scoreBatch('abs', w, null, [f32(2)], 0, 0, 'compute', new Float64Array(1)),
      'weights, grads and scores must list the same number of modules',
    ],
    [
      'a grads list missing',
      () => binding.scoreBatch('abs-mul', w, null, [f32(2), f32(3)], 0, 0, 'compute', new Float64Array(2)),
      'grads must be an array of Float32Array',
    ],
    [
      'a bad element',
      () => binding.scoreBatch('abs', [w[0], 7 as never], null, [f32(2), f32(3)], 0, 0, 'compute', new Float64Array(2)),
      'weights[1] must be a Float32Array',
    ],
    [
      'a length mismatch',
      () => binding.scoreBatch('abs-mul', w, [g[0], f32(2)], [f32(2), f32(3)], 0, 0, 'compute', new Float64Array(2)),
      'weights[1] has 3 elements but grads[1] has 2',
    ],
    [
      'a short counts array',
      () => binding.scoreBatch('abs', w, null, [f32(2), f32(3)], 0, 0, 'compute', new Float64Array(1)),
      'counts has 1 elements, expected 2 (one per module)',
    ],
    [
      'an unknown op',
      () => binding.scoreBatch('sqrt' as never, w, null, [f32(2), f32(3)], 0, 0, 'compute', new Float64Array(2)),
      'op must be "abs", "abs-mul" or "momentum"',
    ],
  ])('refuses %s, writing nothing', (_what, call, message) => {
    expect(call).toThrow(message);
  });

  test('the async form resolves with the same result and fills counts', async () => {
    const s = [f32(2), f32(3)];
    const counts = new Float64Array(2);
    await expect(binding.scoreBatchAsync('momentum', w, g, s, 0.5, 2, 'guarded', counts)).resolves.toBe(true);
    expect(Array.from(counts)).toEqual([0, 1]);
    expect(s[0]).toEqual(new Float32Array([-0.5 + 4, -0.5 + 8]));
  });

  test('the async form checks its arguments synchronously', () => {
    expect(() =>
      binding.scoreBatchAsync('abs', w, null, [f32(1), f32(3)], 0, 0, 'compute', new Float64Array(2)),
    ).toThrow('weights[0] has 2 elements but scores[0] has 1');
  });
});
