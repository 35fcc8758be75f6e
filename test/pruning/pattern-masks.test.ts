// N:M below its full sparsity: only the groups whose kept weights score lowest become N:M-sparse.
import { patternMasks } from '../../lib/pruning/pattern-masks';
import { parsePattern } from '../../lib/pruning/patterns';

const options = (ratio: number, scope: 'global' | 'local' = 'global') => ({
  pattern: parsePattern('2:4'),
  ratio,
  reduce: 'mean' as const,
  scope,
  tie_mode: 'exact' as const,
  max_sparsity_ratio_per_op: 0.5,
  min_sparsity_ratio_per_op: 0,
});

// Four groups of four. Each group's score: the mean over 4 of its two largest (the two smallest are the
// candidates): g0 (9+8)/4, g1 (2+1.5)/4, g2 (7+6)/4, g3 (1+0.75)/4. Lowest: g3, then g1.
const scores = new Float32Array([
  9, 1, 8, 0.5, /* g1 */ 0.1, 2, 0.2, 1.5, /* g2 */ 7, 6, 0.3, 0.4, /* g3 */ 0.75, 0.01, 1, 0.02,
]);
const layer = { name: 'l', shape: [2, 8], scores };

test('ratio 0.25 of a 2:4 layer: the two lowest groups lose their two smallest', () => {
  const keep = patternMasks([layer], options(0.25)).masks.l;
  expect(Array.from(keep)).toEqual([1, 1, 1, 1, /* g1 */ 0, 1, 0, 1, /* g2 */ 1, 1, 1, 1, /* g3 */ 1, 0, 1, 0]);
});

test('ratio 0.5 (= N/M): every group loses its two smallest', () => {
  const keep = patternMasks([layer], options(0.5)).masks.l;
  expect(Array.from(keep)).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0]);
});

test('ratio 0.125: one group (the lowest); ratio 0: none', () => {
  expect(Array.from(patternMasks([layer], options(0.125)).masks.l)).toEqual([
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0,
  ]);
  expect(patternMasks([layer], options(0)).masks.l.every((k) => k === 1)).toBe(true);
});

test('global scope ranks groups across layers; local scope within each', () => {
  const other = { name: 'm', shape: [1, 8], scores: new Float32Array([5, 5, 5, 5, 0.001, 0.001, 0.002, 0.002]) };
  const global = patternMasks([layer, other], options(0.125)).masks;
  // 6 groups, k = floor(0.125 * 2 * 6) = 1: the lowest group of all is m's second.
  expect(Array.from(global.m)).toEqual([1, 1, 1, 1, 0, 0, 1, 1]);
  expect(global.l.every((k) => k === 1)).toBe(true);
  const local = patternMasks([layer, other], options(0.25, 'local')).masks;
  expect(Array.from(local.l)).toEqual([1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0]);
  expect(Array.from(local.m)).toEqual([1, 1, 1, 1, 0, 0, 1, 1]);
});

test('pruned counts the weights the pattern removes, and `into` receives the masks', () => {
  const into = { l: new Uint8Array(16) };
  const partial = patternMasks([layer], options(0.25), into);
  expect(partial.pruned).toEqual({ l: 4 }); // two groups, two weights each
  expect(partial.masks.l).toBe(into.l);
  expect(Array.from(into.l)).toEqual([1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0]);
  expect(patternMasks([layer], options(0.5)).pruned).toEqual({ l: 8 });
  const blocks = patternMasks([layer], { ...options(0.5), pattern: parsePattern('2x1') });
  expect(blocks.pruned).toEqual({ l: 8 }); // 4 of 8 blocks of two
});
