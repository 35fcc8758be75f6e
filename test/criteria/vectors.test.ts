// Every criterion against the PyTorch-computed vectors, on every instruction set this CPU runs.
import { getCriterion, NonFiniteError, setSimd, simdInfo, type NonFinitePolicy } from '../../lib';
import { loadCriteriaCases, type CriteriaCase } from '../support/criteria-vectors';
import { bitReport, nonFiniteTerms, step } from '../support/float32-oracle';

const cases = loadCriteriaCases();
const levels = simdInfo().supported;
const original = simdInfo().active;
afterAll(() => setSimd(original));

function build(c: CriteriaCase, policy: NonFinitePolicy) {
  const modules = { layer: { weight: c.weight, grad: null as Float32Array | null, shape: [c.n] } };
  const criterion = getCriterion(
    { criterion_type: c.criterion, alpha: c.alpha, beta: c.beta, on_non_finite: policy },
    modules,
  );
  const hook = () => (c.criterion === 'magnitude' ? criterion.onStepBegin() : criterion.onBeforeOptimizerStep());
  return { modules, criterion, hook };
}

test('the vectors cover every criterion, special values and the SIMD tails', () => {
  expect(cases.length).toBe(252);
  expect(new Set(cases.map((c) => c.criterion))).toEqual(new Set(['magnitude', 'gradient', 'snip', 'snip_momentum']));
  expect(cases.some((c) => !c.allTermsFinite)).toBe(true);
  expect(levels).toContain('scalar');
});

describe.each(levels)('on %s', (level) => {
  beforeAll(() => setSimd(level));

  test('on_non_finite "propagate" matches PyTorch bit for bit on all 252 cases', () => {
    for (const c of cases) {
      const { modules, criterion, hook } = build(c, 'propagate');
      c.grads.forEach((grad, i) => {
        modules.layer.grad = grad;
        hook();
        expect([c.id, i, bitReport(criterion.scores.layer, c.expected[i])]).toEqual([c.id, i, 'identical']);
      });
    }
  });

  test('with finite terms, "skip" and "error" give the same bits as PyTorch', () => {
    for (const c of cases.filter((k) => k.allTermsFinite)) {
      for (const policy of ['skip', 'error'] as const) {
        const { modules, criterion, hook } = build(c, policy);
        c.grads.forEach((grad, i) => {
          modules.layer.grad = grad;
          hook();
          expect([c.id, policy, i, bitReport(criterion.scores.layer, c.expected[i])]).toEqual([
            c.id,
            policy,
            i,
            'identical',
          ]);
        });
        expect(criterion.nonFiniteSkips).toEqual({});
      }
    }
  });

  test('"skip" leaves a step with non-finite terms unscored and counts it', () => {
    let skippedSteps = 0;
    for (const c of cases.filter((k) => !k.allTermsFinite)) {
      const { modules, criterion, hook } = build(c, 'skip');
      let want: Float32Array = new Float32Array(c.n);
      let skips = 0;
      c.grads.forEach((grad, i) => {
        modules.layer.grad = grad;
        const bad = nonFiniteTerms(c.criterion, c.weight, grad);
        if (bad === 0) want = step(c.criterion, c.weight, grad, want, c.alpha, c.beta);
        else skips++;
        hook();
        expect([c.id, i, bitReport(criterion.scores.layer, want)]).toEqual([c.id, i, 'identical']);
        expect(criterion.lastNonFinite).toEqual(bad === 0 ? [] : [{ module: 'layer', count: bad }]);
      });
      expect(criterion.nonFiniteSkips).toEqual(skips === 0 ? {} : { layer: skips });
      skippedSteps += skips;
    }
    expect(skippedSteps).toBeGreaterThan(0);
  });

  test('"error" throws naming the module and the count, and changes no score', () => {
    for (const c of cases.filter((k) => !k.allTermsFinite)) {
      const { modules, criterion, hook } = build(c, 'error');
      let want: Float32Array = new Float32Array(c.n);
      for (const grad of c.grads) {
        modules.layer.grad = grad;
        const bad = nonFiniteTerms(c.criterion, c.weight, grad);
        if (bad === 0) {
          hook();
          want = step(c.criterion, c.weight, grad, want, c.alpha, c.beta);
        } else {
          let thrown: unknown;
          try {
            hook();
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(NonFiniteError);
          expect((thrown as Error).message).toContain(`module "layer" (${bad} of them)`);
        }
        expect([c.id, bitReport(criterion.scores.layer, want)]).toEqual([c.id, 'identical']);
      }
    }
  });
});
