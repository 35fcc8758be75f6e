// The criteria's large score arrays live in page mappings of their own (binding `scorePages`), and "skip"
// publishes a module's new scores by moving pages. What a caller can observe: the buffer's size and zeros,
// which lengths get one, that a view shorter than the whole mapping is scored in place without touching
// past its end, the async hook on such a module, and that dropped arrays are unmapped without waiting.
import { spawnSync } from 'node:child_process';
import { getCriterion, type Modules } from '../../lib';
import { binding, bindingOrigin } from '../../lib/native';
import { bitReport, step } from '../support/float32-oracle';

const MIN = 3 * 2 ** 20; // native/runtime/score_pages.h, kMinScores

function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
}

function filled(n: number, seed: number): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: n }, next);
}

test('scorePages gives a zeroed buffer of exactly the length asked from 3M floats, null below', () => {
  expect(binding.scorePages(MIN - 1)).toBeNull();
  expect(binding.scorePages(0)).toBeNull();
  for (const n of [MIN, MIN + 3, 2 * MIN + 1]) {
    const pages = binding.scorePages(n);
    expect(pages).not.toBeNull();
    expect(pages!.byteLength).toBe(4 * n);
    expect(new Float32Array(pages!).every((x) => x === 0)).toBe(true);
  }
});

test.each([-1, 1.5, NaN, 2 ** 32, '8'])('scorePages(%p) is refused', (length) => {
  expect(() => binding.scorePages(length as number)).toThrow(/length/);
});

test('a view shorter than the mapping is scored in place, nothing past its end changes', () => {
  const n = MIN + 100;
  const scores = new Float32Array(binding.scorePages(n)!);
  scores.fill(7);
  const w = filled(n, 3);
  const k = n - 50;
  expect(binding.scoreAbs(w.subarray(0, k), scores.subarray(0, k), 'guarded')).toBe(0);
  const want = new Float32Array(n).fill(7);
  for (let i = 0; i < k; i++) want[i] = Math.abs(w[i]);
  expect(bitReport(scores, want)).toBe('identical');
  // The whole mapping again, with a NaN: nothing changes; then clean: every score new.
  w[n - 1] = NaN;
  expect(binding.scoreAbs(w, scores, 'guarded')).toBe(1);
  expect(bitReport(scores, want)).toBe('identical');
  w[n - 1] = 0.5;
  expect(binding.scoreAbs(w, scores, 'guarded')).toBe(0);
  expect(bitReport(scores, Float32Array.from(w, Math.abs))).toBe('identical');
});

test.each(['magnitude', 'snip', 'snip_momentum'] as const)(
  'the async hook of %s on a mapped module: clean steps scored, a NaN step leaves the scores as they were',
  async (type) => {
    const n = MIN + 7;
    const modules: Modules = { big: { weight: filled(n, 11), grad: filled(n, 12) }, small: { weight: filled(9, 13) } };
    modules.small.grad = filled(9, 14);
    const c = getCriterion({ criterion_type: type, alpha: 0.5, beta: 2 }, modules);
    const run = () => (type === 'magnitude' ? c.onStepBeginAsync() : c.onBeforeOptimizerStepAsync());
    await run();
    const want = step(type, modules.big.weight, modules.big.grad!, new Float32Array(n), 0.5, 2);
    expect(bitReport(c.scores.big, want)).toBe('identical');
    const before = c.scores.big.slice();
    (type === 'magnitude' ? modules.big.weight : modules.big.grad!)[n - 1] = NaN;
    modules.big.weight[0] = 100;
    await run();
    expect(bitReport(c.scores.big, before)).toBe('identical');
    expect(c.lastNonFinite).toEqual([{ module: 'big', count: 1 }]);
  },
);

test('a synchronous loop that makes and drops mapped arrays does not hold their memory until it yields', () => {
  // Node finalizes external buffers from the event loop; the binding sweeps the ones the collector found dead
  // at each call. 300 arrays of 16 MiB: 4.8 GB if every mapping waited for the loop to yield (measured with
  // the sweep removed, and with the 1-byte ArrayBuffer that lets V8 count the young buffers removed).
  // When the collector finds them dead is V8's: with its default concurrent marking the peak depends on
  // how soon the marking threads get a core (0.2-1.1 GB idle, 2.5 GB seen on a loaded CI machine). With
  // --single-threaded-gc the marking runs on this thread, the same steps at every run: 298 MiB, loaded or not.
  const script = `
    const b = require(${JSON.stringify(bindingOrigin.path)});
    let peak = 0, keep;
    for (let i = 0; i < 300; i++) {
      keep = new Float32Array(b.scorePages(4 << 20));
      keep.fill(1);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    process.stdout.write(String(peak));`;
  const out = spawnSync(process.execPath, ['--single-threaded-gc', '-e', script], { encoding: 'utf8' });
  expect(out.status).toBe(0);
  expect(Number(out.stdout) / 2 ** 20).toBeLessThan(1000);
});
