// The registry: built-in names, unknown names, user criteria by decorator and by plain call.
import {
  ArgumentError,
  ConfigError,
  PruningCriterion,
  StateError,
  criteriaNames,
  getCriterion,
  registerCriterion,
  MagnitudeCriterion,
  type Modules,
} from '../../lib';

const modules: Modules = { a: { weight: new Float32Array([1, -2, 3]) } };

test('the four built-in criteria are registered, in the reference order', () => {
  expect(criteriaNames().slice(0, 4)).toEqual(['magnitude', 'gradient', 'snip', 'snip_momentum']);
  expect(getCriterion({ criterion_type: 'magnitude' }, modules)).toBeInstanceOf(MagnitudeCriterion);
});

test('an unknown name is an error that names it and lists the registered names', () => {
  expect(() => getCriterion({ criterion_type: 'snip-momentum' }, modules)).toThrow(
    'criteria does not support "snip-momentum", currently only support [magnitude, gradient, snip, snip_momentum',
  );
  expect(() => getCriterion({} as never, modules)).toThrow('criteria does not support undefined');
  expect(() => getCriterion({ criterion_type: 'snip-momentum' }, modules)).toThrow(ConfigError);
});

test('a user criterion registered with a decorator is built by getCriterion', () => {
  @registerCriterion('negated_weight')
  class NegatedWeight extends PruningCriterion {
    override onStepBegin(): void {
      for (const [name, s] of Object.entries(this.scores)) s.set(this.modules[name].weight.map((w) => -w));
    }
  }
  const c = getCriterion({ criterion_type: 'negated_weight', custom_key: 7 }, modules);
  expect(c).toBeInstanceOf(NegatedWeight);
  expect(c.config.custom_key).toBe(7);
  c.onStepBegin();
  expect(c.scores.a).toEqual(new Float32Array([-1, 2, -3]));
  expect(criteriaNames()).toContain('negated_weight');
});

test('registerCriterion also works as a plain call (and as a legacy one-argument decorator)', () => {
  class Ones extends PruningCriterion {
    override onStepBegin(): void {
      for (const s of Object.values(this.scores)) s.fill(1);
    }
  }
  expect(registerCriterion('ones')(Ones)).toBe(Ones);
  const c = getCriterion({ criterion_type: 'ones' }, modules);
  c.onStepBegin();
  expect(c.scores.a).toEqual(new Float32Array([1, 1, 1]));
  expect(registerCriterion('ones')(Ones)).toBe(Ones); // the same class again is harmless
});

test('a taken name cannot be given to another class', () => {
  class Other extends PruningCriterion {}
  expect(() => registerCriterion('magnitude')(Other)).toThrow(
    'criterion "magnitude" is already registered (by MagnitudeCriterion)',
  );
  expect(() => registerCriterion('magnitude')(Other)).toThrow(StateError);
  expect(getCriterion({ criterion_type: 'magnitude' }, modules)).toBeInstanceOf(MagnitudeCriterion);
});

test('registerCriterion rejects an empty name and a non-class', () => {
  expect(() => registerCriterion('')).toThrow(ArgumentError);
  expect(() => registerCriterion('')).toThrow('registerCriterion needs a non-empty name, got ""');
  expect(() => registerCriterion('x')(42 as never)).toThrow(ArgumentError);
  expect(() => registerCriterion('x')(42 as never)).toThrow("registerCriterion('x') must be given a class");
});
