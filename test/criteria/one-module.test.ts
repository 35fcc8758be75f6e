// A criterion of one module takes the one-module binding instead of the batch: the same scores as the
// plain-JavaScript oracle, and the same non-finite policies (skip, error, propagate), step after step.
import { getCriterion, NonFiniteError } from '../../lib';
import { bitReport, nonFiniteTerms, step, type CriterionName } from '../support/float32-oracle';

const CRITERIA: CriterionName[] = ['magnitude', 'gradient', 'snip', 'snip_momentum'];

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
  return out;
}

function run(c: ReturnType<typeof getCriterion>, type: CriterionName): void {
  if (type === 'magnitude') c.onStepBegin();
  else c.onBeforeOptimizerStep();
}

describe.each(CRITERIA)('%s, one module', (type) => {
  test('matches the oracle over three steps, the second with a NaN', () => {
    for (const policy of ['skip', 'error', 'propagate'] as const) {
      const m = { weight: data(768, 1), grad: data(768, 2) };
      const c = getCriterion({ criterion_type: type, alpha: 0.75, beta: 1.5, on_non_finite: policy }, { m });
      let want: Float32Array = new Float32Array(768);
      for (let s = 0; s < 3; s++) {
        m.weight = data(768, 10 + s);
        m.grad = data(768, 20 + s);
        if (s === 1) (type === 'magnitude' ? m.weight : m.grad)[767] = NaN;
        const bad = nonFiniteTerms(type, m.weight, m.grad);
        if (s === 1) expect(bad).toBe(1);
        if (bad > 0 && policy === 'error') {
          expect(() => run(c, type)).toThrow(NonFiniteError);
        } else {
          run(c, type);
          if (bad === 0 || policy === 'propagate') want = step(type, m.weight, m.grad, want, 0.75, 1.5);
          expect(c.lastNonFinite).toEqual(bad > 0 && policy === 'skip' ? [{ module: 'm', count: 1 }] : []);
        }
        expect([policy, s, bitReport(c.scores.m, want)]).toEqual([policy, s, 'identical']);
      }
      expect(c.nonFiniteSkips).toEqual(policy === 'skip' ? { m: 1 } : {});
    }
  });

  test('a grad of the wrong length throws before anything is written', () => {
    const m = { weight: data(8, 1), grad: data(8, 2) };
    const c = getCriterion({ criterion_type: type }, { m });
    (m as { grad: Float32Array }).grad = data(7, 2);
    if (type === 'magnitude') m.weight = data(7, 1);
    expect(() => run(c, type)).toThrow(/expected 8/);
    expect(c.scores.m.every((x) => x === 0)).toBe(true);
  });
});
