// Large modules: split across the native thread pool, guarded (two passes, or one with a copy of the old
// scores for snip and snip_momentum; modules from 3M floats, whose scores move pages, are in
// score-pages.test.ts); the same bits as one thread and as the plain-JavaScript oracle, in every
// non-finite mode.
import { getCriterion, NonFiniteError, setThreads, threads, type Modules } from '../../lib';
import { bitReport, step } from '../support/float32-oracle';

const original = threads();
afterAll(() => setThreads(original));

function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
}

// One module well above the split size (2^20 elements in all, pieces of 2^16), one just above a piece,
// several small ones. Generated once; each test gets fresh copies.
const SIZES = [
  ['big', 1_100_000],
  ['medium', 70_001],
  ['s1', 1000],
  ['s2', 31],
  ['empty', 0],
] as const;
const next = random(7);
const DATA = SIZES.map(([name, n]) => {
  const weight = new Float32Array(n);
  const grad = new Float32Array(n);
  for (let i = 0; i < n; i++) [weight[i], grad[i]] = [next(), next()];
  return { name, weight, grad };
});

function bigModules(poisonAt: number | null): Modules {
  const modules: Modules = {};
  for (const { name, weight, grad } of DATA) modules[name] = { weight: weight.slice(), grad: grad.slice() };
  if (poisonAt !== null) modules.big.grad![poisonAt] = NaN;
  return modules;
}

describe.each([1, 2, 3])('with %i thread(s)', (count) => {
  beforeAll(() => setThreads(count));

  test.each(['magnitude', 'gradient', 'snip', 'snip_momentum'] as const)(
    '%s matches the oracle over two steps',
    (type) => {
      const modules = bigModules(null);
      const c = getCriterion({ criterion_type: type, alpha: 0.75, beta: 1.5 }, modules);
      const want: Record<string, Float32Array> = Object.fromEntries(
        Object.keys(modules).map((k) => [k, new Float32Array(modules[k].weight.length)]),
      );
      for (let s = 0; s < 2; s++) {
        if (type === 'magnitude') c.onStepBegin();
        else c.onBeforeOptimizerStep();
        for (const [name, { weight, grad }] of Object.entries(modules)) {
          want[name] = step(type, weight, grad!, want[name], 0.75, 1.5);
          expect([name, bitReport(c.scores[name], want[name])]).toEqual([name, 'identical']);
        }
      }
    },
  );

  test('"skip": a NaN near the end of the big module leaves it untouched, the others scored', () => {
    const modules = bigModules(1_099_990);
    const c = getCriterion({ criterion_type: 'snip' }, modules);
    c.onBeforeOptimizerStep();
    expect(c.scores.big.every((x) => x === 0)).toBe(true);
    expect(c.lastNonFinite).toEqual([{ module: 'big', count: 1 }]);
    const want = step('snip', modules.medium.weight, modules.medium.grad!, new Float32Array(0), 0, 0);
    expect(bitReport(c.scores.medium, want)).toBe('identical');
  });

  test.each(['magnitude', 'gradient', 'snip', 'snip_momentum'] as const)(
    '"skip": %s after a clean step, a NaN step leaves the clean step\'s scores bit for bit',
    (type) => {
      const modules = bigModules(null);
      const c = getCriterion({ criterion_type: type, alpha: 0.75, beta: 1.5 }, modules);
      const hook = () => (type === 'magnitude' ? c.onStepBegin() : c.onBeforeOptimizerStep());
      hook();
      const arrays = { ...c.scores };
      const before = Object.fromEntries(Object.entries(c.scores).map(([k, v]) => [k, v.slice()]));
      for (const name of ['big', 'medium'] as const) {
        // magnitude reads the weight, gradient the grad, the others both
        (type === 'magnitude' ? modules[name].weight : modules[name].grad!)[name === 'big' ? 1_099_990 : 3] = Infinity;
        modules[name].weight[0] *= 2; // a different step everywhere else
        modules[name].grad![0] *= 2;
      }
      hook();
      expect(c.scores.big).toBe(arrays.big); // the same object, over the same memory
      expect(c.scores.big.buffer).toBe(arrays.big.buffer);
      expect(bitReport(c.scores.big, before.big)).toBe('identical');
      expect(bitReport(c.scores.medium, before.medium)).toBe('identical');
      expect(c.lastNonFinite).toEqual([
        { module: 'big', count: 1 },
        { module: 'medium', count: 1 },
      ]);
      const want = step(type, modules.s1.weight, modules.s1.grad!, before.s1, 0.75, 1.5);
      expect(bitReport(c.scores.s1, want)).toBe('identical');
    },
  );

  test('"error": nothing is written in any module', () => {
    const modules = bigModules(5);
    const c = getCriterion({ criterion_type: 'snip_momentum', on_non_finite: 'error' }, modules);
    expect(() => c.onBeforeOptimizerStep()).toThrow(NonFiniteError);
    for (const s of Object.values(c.scores)) expect(s.every((x) => x === 0)).toBe(true);
  });
});
