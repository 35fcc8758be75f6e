// The benchmarks' interleaved timing: every call is timed in every round, and no call is always first.
import { median, roundOrder, timeInterleaved } from '../../lib/bench/timing';

test('each round times every call once, and the first one changes from round to round', () => {
  for (const n of [1, 2, 4, 12]) {
    const firsts = new Set<number>();
    for (let round = 0; round < n; round++) {
      const order = roundOrder(n, round);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      firsts.add(order[0]);
    }
    // Every call leads once in n rounds.
    expect(firsts.size).toBe(n);
  }
  expect(roundOrder(4, 0)).toEqual([0, 1, 2, 3]);
  expect(roundOrder(4, 1)).toEqual([1, 0, 3, 2]);
  expect(roundOrder(4, 2)).toEqual([2, 3, 0, 1]);
  expect(roundOrder(4, 3)).toEqual([3, 2, 1, 0]);
});

test('timeInterleaved warms up and times every call, in rounds that start with different calls', () => {
  const log: string[] = [];
  const calls = { a: () => void log.push('a'), b: () => void log.push('b'), c: () => void log.push('c') };
  const ns = timeInterleaved(calls, 3, 2, 0);
  expect(Object.keys(ns)).toEqual(['a', 'b', 'c']);
  for (const value of Object.values(ns)) expect(value).toBeGreaterThan(0);
  // minSampleMs 0: one calibration call each, then per round 2 one-call samples of each call in round order.
  expect(log.join('')).toBe('abc' + 'aabbcc' + 'bbaacc' + 'ccaabb');
});

test('median of odd and even counts', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
