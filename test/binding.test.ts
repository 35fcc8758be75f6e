// The raw binding checks every argument itself: calling it directly with bad input throws, never crashes.
import { binding } from '../lib/native';

const f32 = (n: number) => new Float32Array(n).fill(-1);

test('scoreAbs / scoreAbsMul / scoreMomentum compute and return 0 in "compute" mode', () => {
  const s = f32(3);
  expect(binding.scoreAbs(new Float32Array([-1, 2, -3]), s, 'compute')).toBe(0);
  expect(s).toEqual(new Float32Array([1, 2, 3]));
  expect(binding.scoreAbsMul(new Float32Array([-1, 2, -3]), new Float32Array([2, 2, 2]), s, 'compute')).toBe(0);
  expect(s).toEqual(new Float32Array([2, 4, 6]));
  expect(binding.scoreMomentum(new Float32Array([1, 1, 1]), new Float32Array([1, -1, 0]), s, 0.5, 2, 'compute')).toBe(0);
  expect(s).toEqual(new Float32Array([3, 4, 3]));
});

test('"count" writes nothing and "guarded" writes only when all terms are finite', () => {
  const s = f32(3);
  const w = new Float32Array([1, Infinity, 2]);
  expect(binding.scoreAbs(w, s, 'count')).toBe(1);
  expect(binding.scoreAbs(w, s, 'guarded')).toBe(1);
  expect(s).toEqual(f32(3));
  expect(binding.scoreAbsMul(new Float32Array([1e30, 0, 1]), new Float32Array([1e30, Infinity, 1]), s, 'guarded')).toBe(2);
  expect(s).toEqual(f32(3));
  expect(binding.scoreAbs(new Float32Array([1, 2, 3]), s, 'guarded')).toBe(0);
  expect(s).toEqual(new Float32Array([1, 2, 3]));
});

test.each([
  ['a plain array', () => binding.scoreAbs([1] as never, f32(1), 'compute'), 'input must be a Float32Array'],
  ['a Float64Array', () => binding.scoreAbsMul(f32(1), new Float64Array(1) as never, f32(1), 'compute'), 'grad must be a Float32Array'],
  ['missing arguments', () => (binding.scoreMomentum as unknown as () => number)(), 'weight must be a Float32Array'],
  ['lengths that differ', () => binding.scoreAbsMul(f32(2), f32(3), f32(2), 'compute'), 'weight has 2 elements but grad has 3'],
  ['a short scores array', () => binding.scoreAbs(f32(4), f32(3), 'compute'), 'input has 4 elements but scores has 3'],
  ['a NaN alpha', () => binding.scoreMomentum(f32(1), f32(1), f32(1), NaN, 1, 'compute'), 'alpha must be finite'],
  ['a string beta', () => binding.scoreMomentum(f32(1), f32(1), f32(1), 1, '1' as never, 'compute'), 'beta must be a number'],
  ['an unknown mode', () => binding.scoreAbs(f32(1), f32(1), 'fast' as never), 'mode must be "compute", "guarded" or "count"'],
])('the binding refuses %s', (_what, call, message) => {
  expect(call).toThrow(message);
});

test('the binding refuses a detached buffer', () => {
  const w = f32(8);
  structuredClone(w.buffer, { transfer: [w.buffer] });
  expect(() => binding.scoreAbs(w, new Float32Array(0), 'compute')).toThrow('input is backed by a detached ArrayBuffer');
});
