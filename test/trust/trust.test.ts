/**
 * Trust of the native binding: no crash, no memory error, no hang, no silent wrong answer, whatever the
 * caller passes. Hostile calls run in child processes, so a crash fails the test instead of killing jest.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { NativeBinding } from '../../binding';

const binding: NativeBinding = require('../../build/Release/prunekit.node');
import { getCriterion } from '../../lib/criteria';
import { computeMasks } from '../../lib/pruning';
const f = (n: number, v = 0.5) => new Float32Array(n).fill(v);
const counts1 = () => new Float64Array(1);

function child(script: string, args: string[] = []): string {
  return execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, script), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test('bad-input matrix over every declared binding function: each case throws a named error or returns, the process lives', () => {
  const result = JSON.parse(child('matrix-child.js'));
  expect(result.declared).toEqual(expect.arrayContaining(Object.keys(binding)));
  expect(Object.keys(binding)).toEqual(expect.arrayContaining(result.declared));
  expect(result.badError).toEqual([]);
  expect(result.cases).toBeGreaterThan(1500);
}, 120_000);

test('a worker terminated with calls in flight does not abort the process', () => {
  expect(child('worker-child.js')).toContain('survived');
}, 120_000);

describe('re-entrancy: user code run while the arguments are read cannot change what an earlier check saw', () => {
  test('a getter that calls scoreBatch again does not disturb the outer call', () => {
    const inner = f(16, -3),
      innerScores = f(16, 0);
    const w = [f(8, -2)];
    Object.defineProperty(w, 0, {
      get() {
        binding.scoreBatch('abs', [inner], null, [innerScores], 0, 0, 'compute', counts1());
        return outerW;
      },
    });
    const outerW = f(8, -2),
      outerS = f(8, 0),
      g = f(8, 3);
    expect(binding.scoreBatch('abs-mul', w, [g], [outerS], 0, 0, 'compute', counts1())).toBe(true);
    expect(Array.from(outerS)).toEqual(new Array(8).fill(6));
    expect(Array.from(innerScores)).toEqual(new Array(16).fill(3));
  });

  test('a getter that detaches an earlier, already-type-checked buffer: refused, nothing written', () => {
    const w0 = f(8),
      s0 = f(8, 7),
      s1 = f(8, 7);
    const weights = [w0, f(8)];
    Object.defineProperty(weights, 1, {
      get() {
        structuredClone(w0.buffer, { transfer: [w0.buffer as ArrayBuffer] });
        return f(8);
      },
    });
    expect(() => binding.scoreBatch('abs', weights, null, [s0, s1], 0, 0, 'compute', new Float64Array(2))).toThrow(
      'weights[0] is backed by a detached ArrayBuffer',
    );
    expect(Array.from(s1)).toEqual(new Array(8).fill(7));
  });

  test('proxies and getters that throw are refused or rethrown, not run through', () => {
    expect(() => binding.scoreBatch('abs', new Proxy([f(8)], {}), null, [f(8)], 0, 0, 'compute', counts1())).toThrow(
      /weights must be an array of Float32Array, got an object/,
    );
    const w = [f(8)];
    Object.defineProperty(w, 0, {
      get: () => {
        throw new Error('from the getter');
      },
    });
    expect(() => binding.scoreBatch('abs', w, null, [f(8)], 0, 0, 'compute', counts1())).toThrow('from the getter');
  });
});

describe('silent wrong answers are refused', () => {
  test('scores overlapping an input by one element: RangeError on every ISA; the very same view is in place', () => {
    const buf = new Float32Array(17).fill(-1);
    expect(() => binding.scoreAbs(buf.subarray(0, 16), buf.subarray(1, 17), 'compute')).toThrow(
      /scores overlaps input/,
    );
    expect(() =>
      binding.scoreBatch('abs', [buf.subarray(0, 16)], null, [buf.subarray(1, 17)], 0, 0, 'compute', counts1()),
    ).toThrow(/scores\[0\] overlaps weights\[0\]/);
    expect(() =>
      binding.scoreBatch(
        'abs',
        [f(4), buf.subarray(0, 4)],
        null,
        [buf.subarray(2, 6), f(4)],
        0,
        0,
        'compute',
        new Float64Array(2),
      ),
    ).toThrow(/overlaps/);
    expect(() =>
      binding.scoreBatch(
        'abs',
        [f(4), f(4)],
        null,
        [buf.subarray(0, 4), buf.subarray(0, 4)],
        0,
        0,
        'compute',
        new Float64Array(2),
      ),
    ).toThrow(/overlaps/);
    expect(Array.from(buf)).toEqual(new Array(17).fill(-1));
    const same = buf.subarray(0, 16);
    binding.scoreAbs(same, same, 'compute');
    expect(same[3]).toBe(1);
  });

  test('typed arrays of another realm are accepted; strings with a NUL are refused', () => {
    const other = require('node:vm').runInNewContext('new Float32Array([-1, 2, -3])');
    const s = f(3);
    binding.scoreAbs(other, s, 'compute');
    expect(Array.from(s)).toEqual([1, 2, 3]);
    expect(() => binding.setSimd('scalar\0avx512')).toThrow(/unknown instruction set 'scalar\\0avx512'/);
    expect(() => binding.scoreAbs(f(3), f(3), 'compute\0x' as never)).toThrow(/mode must be "compute"/);
    expect(() => binding.scoreAbs([1] as never, f(3), 'compute')).toThrow('input must be a Float32Array, got an array');
  });

  test('the public API takes Float32Arrays of another realm too (criteria, pruning, masks)', () => {
    const vm = require('node:vm');
    const other = (values: number[]) =>
      vm.runInNewContext(`new Float32Array(${JSON.stringify(values)})`) as Float32Array;
    expect(other([1]) instanceof Float32Array).toBe(false); // the case instanceof would refuse
    const weight = other([-1, 2, -3, 0.5]);
    const c = getCriterion({ criterion_type: 'snip' }, { a: { weight, grad: other([2, 2, 2, 2]), shape: [2, 2] } });
    c.onBeforeOptimizerStep();
    expect(Array.from(c.scores.a)).toEqual([2, 4, 6, 1]);
    const masks = computeMasks([{ name: 'a', scores: other([4, 3, 2, 1]), shape: [2, 2] }], {
      pattern: '1x1',
      ratio: 0.5,
    });
    expect(Array.from(masks.masks.a)).toEqual([1, 1, 0, 0]);
  });

  test('async: resizable buffers are refused; transfer in flight copies instead of moving the memory', async () => {
    const r = new Float32Array(
      new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(32, { maxByteLength: 64 }),
    );
    expect(() => binding.scoreBatchAsync('abs', [r], null, [f(8)], 0, 0, 'compute', counts1())).toThrow(
      /resizable ArrayBuffer/,
    );
    const w = f(1 << 20, -2),
      s = f(1 << 20, 0);
    const pending = binding.scoreBatchAsync('abs', [w], null, [s], 0, 0, 'compute', counts1());
    const copy = structuredClone(w.buffer, { transfer: [w.buffer as ArrayBuffer] });
    expect(copy.byteLength).toBe(4 << 20);
    await expect(pending).resolves.toBe(true);
    expect(w.length).toBe(1 << 20);
    expect(s[12345]).toBe(2);
  });

  test('SharedArrayBuffer-backed arrays are supported, sync and async', async () => {
    const w = new Float32Array(new SharedArrayBuffer(64)).fill(-4),
      s = new Float32Array(new SharedArrayBuffer(64));
    await binding.scoreBatchAsync('abs', [w], null, [s], 0, 0, 'compute', counts1());
    expect(s[15]).toBe(4);
  });
});

test('setThreads: out of range refused, naming the argument; the pool keeps its size', () => {
  const before = binding.threads();
  expect(() => binding.setThreads(257)).toThrow(/threads must be an integer from 1 to 256, got 257/);
  expect(() => binding.setThreads(1.5)).toThrow(/got 1.5/);
  expect(binding.threads()).toBe(before);
});
