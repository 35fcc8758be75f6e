// Each criterion's metadata lives on its class (scoringHook, readsGradients, kernel); the CLI's table, the
// benchmarks' calls and their traffic figures derive from it. Checked against hand-written expectations
// and against what the hooks actually do.
import {
  BUILTIN_CRITERIA,
  BUILTIN_CRITERION_NAMES,
  criteriaNames,
  getCriterion,
  PruningCriterion,
  registerCriterion,
  type BuiltinCriterion,
  type Modules,
} from '../../lib';
import { BUILTIN_CRITERIA as CLI_CRITERIA } from '../../lib/cli/criteria';
import { rawScoreCall, scoringHook } from '../../lib/bench/calls';
import { TRAFFIC } from '../../lib/bench/js-baselines';

const w = () => new Float32Array([-1.5, 2, -0.25]);
const g = () => new Float32Array([2, -0.5, 4]);
// Hand-computed: |w| = [1.5, 2, 0.25], |g| = [2, 0.5, 4], |w*g| = [3, 1, 1]; snip_momentum from zero scores
// with alpha 0.9, beta 1: 0.9 * 0 + |w*g|.
const EXPECTED: Record<BuiltinCriterion, number[]> = {
  magnitude: [1.5, 2, 0.25],
  gradient: [2, 0.5, 4],
  snip: [3, 1, 1],
  snip_momentum: [3, 1, 1],
};

test("the built-in names, in the reference order, are the registry's first four", () => {
  expect(BUILTIN_CRITERION_NAMES).toEqual(['magnitude', 'gradient', 'snip', 'snip_momentum']);
  expect(criteriaNames().slice(0, 4)).toEqual([...BUILTIN_CRITERION_NAMES]);
});

test('the CLI table says what the README says: magnitude scores at step begin from weights alone', () => {
  expect(CLI_CRITERIA).toEqual({
    magnitude: { hook: 'onStepBegin', grads: false },
    gradient: { hook: 'onBeforeOptimizerStep', grads: true },
    snip: { hook: 'onBeforeOptimizerStep', grads: true },
    snip_momentum: { hook: 'onBeforeOptimizerStep', grads: true },
  });
});

test('the benchmarks count the arrays each kernel reads: input, grad, and the old scores for momentum', () => {
  expect(TRAFFIC).toEqual({
    magnitude: { reads: 1, writes: 1 },
    gradient: { reads: 1, writes: 1 },
    snip: { reads: 2, writes: 1 },
    snip_momentum: { reads: 3, writes: 1 },
  });
});

describe.each(BUILTIN_CRITERION_NAMES)('%s', (name) => {
  const cls = BUILTIN_CRITERIA[name];

  test('its scoringHook computes the scores and the other hooks leave them alone', () => {
    const hooks = ['onStepBegin', 'onBeforeOptimizerStep', 'onAfterOptimizerStep'] as const;
    for (const hook of hooks) {
      const c = getCriterion({ criterion_type: name }, { m: { weight: w(), grad: g() } });
      c[hook]();
      expect(Array.from(c.scores.m)).toEqual(hook === cls.scoringHook ? EXPECTED[name] : [0, 0, 0]);
    }
  });

  test('readsGradients is true exactly when its scoring hook refuses a module without grad', () => {
    const c = getCriterion({ criterion_type: name }, { m: { weight: w() } });
    expect(c.readsGradients).toBe(cls.readsGradients);
    if (cls.readsGradients) expect(() => c[cls.scoringHook]()).toThrow('has no grad');
    else expect(() => c[cls.scoringHook]()).not.toThrow();
  });

  test('the raw binding call the benchmarks time gives the same scores as the hook', () => {
    const s = new Float32Array(3);
    rawScoreCall(name, w(), g(), s, 'compute')();
    expect(Array.from(s)).toEqual(EXPECTED[name]);
    const c = getCriterion({ criterion_type: name, alpha: 0.9, beta: 1 }, { m: { weight: w(), grad: g() } });
    scoringHook(c, name)();
    expect(Array.from(c.scores.m)).toEqual(EXPECTED[name]);
  });
});

test('a user criterion says whether it reads gradients with a static; the default is no', () => {
  class WeightOnly extends PruningCriterion {}
  @registerCriterion('grad_squared')
  class GradSquared extends PruningCriterion {
    static override readonly readsGradients = true;
    static override readonly scoringHook = 'onBeforeOptimizerStep';
    override onBeforeOptimizerStep(): void {
      for (const [name, s] of Object.entries(this.scores)) s.set(this.modules[name].grad!.map((x) => x * x));
    }
  }
  const modules: Modules = { m: { weight: w(), grad: g() } };
  expect(new WeightOnly(modules, { criterion_type: 'x' }).readsGradients).toBe(false);
  expect(PruningCriterion.readsGradients).toBe(false);
  const c = getCriterion({ criterion_type: 'grad_squared' }, modules);
  expect(c).toBeInstanceOf(GradSquared);
  expect(c.readsGradients).toBe(true);
});
