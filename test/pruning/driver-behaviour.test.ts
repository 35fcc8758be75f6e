/**
 * The driver as a new user meets it (issue 9's fine-tuning findings): each case a clear error at the edge
 * or documented behaviour that works.
 */
import { computeMasks, GlobalSelection, Pruning, pruneOneShot } from '../../lib/pruning';
import { PruningCriterion, registerCriterion, type Modules } from '../../lib/criteria';
import { ArgumentError, ConfigError, NonFiniteError, ShapeError } from '../../lib/errors';
import { rng } from '../support/random';

function model(seed = 1, names = ['fc1', 'fc2']): Modules {
  const next = rng(seed);
  const m: Modules = Object.create(null);
  for (const name of names) {
    const weight = new Float32Array(64).map(() => next() - 0.5);
    Object.defineProperty(m, name, {
      value: { weight, grad: new Float32Array(64).map(() => next() - 0.5), shape: [8, 8] },
      enumerable: true,
      writable: true,
    });
  }
  return m;
}

function step(p: Pruning, modules: Modules, grads = true) {
  const r = p.onStepBegin();
  if (!grads) for (const name of Object.keys(modules)) modules[name].grad = null;
  p.onBeforeOptimizerStep();
  p.onAfterOptimizerStep();
  p.onStepEnd();
  return r;
}

const quiet = { warn: () => {} };

describe('gradient criteria at step 0', () => {
  test.each(['snip_momentum', 'snip', 'gradient'])(
    'one-shot at step 0 with %s is refused, saying why and what to do',
    (pruning_type) => {
      const make = () => new Pruning({ pruning_type, pattern: '1x1', target_sparsity: 0.5 }, model(), quiet);
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(
        /before any gradient has been seen.*Prune after at least one optimizer step \(start_step >= 1\)/,
      );
    },
  );

  test('magnitude at step 0, and a gradient criterion from step 1, are fine', () => {
    expect(
      () => new Pruning({ pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5 }, model(), quiet),
    ).not.toThrow();
    expect(
      () =>
        new Pruning(
          { pruning_type: 'snip', pattern: '1x1', target_sparsity: 0.5, start_step: 1, end_step: 1 },
          model(),
          quiet,
        ),
    ).not.toThrow();
    // iterative from 0: step 0's ratio is 0, nothing is chosen from empty scores
    expect(
      () =>
        new Pruning(
          { pruning_type: 'snip', pattern: '1x1', target_sparsity: 0.5, start_step: 0, end_step: 4 },
          model(),
          quiet,
        ),
    ).not.toThrow();
  });
});

test('a missing grad is accepted once nothing reads it (after end_step)', () => {
  const modules = model();
  const p = new Pruning(
    { pruning_type: 'snip_momentum', pattern: '1x1', target_sparsity: 0.5, start_step: 1, end_step: 2 },
    modules,
    quiet,
  );
  p.onTrainBegin();
  for (let s = 0; s < 3; s++) step(p, modules);
  const masks = { ...p.masks };
  for (let s = 3; s < 6; s++) step(p, modules, false); // grads gone: the criterion stopped scoring at end_step
  expect(p.masks.fc1).toEqual(masks.fc1);
  // before end_step a missing grad is still an error
  const early = new Pruning(
    { pruning_type: 'snip', pattern: '1x1', target_sparsity: 0.5, start_step: 1, end_step: 3 },
    model(),
    quiet,
  );
  early.onStepBegin();
  early.modules.fc1.grad = null;
  expect(() => early.onBeforeOptimizerStep()).toThrow(/module "fc1" needs a Float32Array grad/);
});

test('a user criterion that declares readsGradients has its grads checked by the driver', () => {
  class GradTimesTwo extends PruningCriterion {
    static override readonly readsGradients = true;
    override onBeforeOptimizerStep() {
      for (const [name, s] of Object.entries(this.scores)) {
        const g = this.modules[name].grad as Float32Array;
        for (let i = 0; i < s.length; i++) s[i] = 2 * Math.abs(g[i]);
      }
    }
  }
  registerCriterion('grad_times_two_driver_test')(GradTimesTwo);
  const p = new Pruning(
    { pruning_type: 'grad_times_two_driver_test', pattern: '1x1', target_sparsity: 0.5, start_step: 1, end_step: 3 },
    model(),
    quiet,
  );
  p.onStepBegin();
  p.modules.fc1.grad = null;
  expect(() => p.onBeforeOptimizerStep()).toThrow(/module "fc1" needs a Float32Array grad/);
});

test('an op_names regex that matches no module is a ConfigError', () => {
  const make = () =>
    new Pruning(
      { pruning_type: 'magnitude', pruning_configs: [{ op_names: ['fc1'] }, { op_names: ['decoder'] }] },
      model(),
      quiet,
    );
  expect(make).toThrow(ConfigError);
  expect(make).toThrow('pruning_configs[1]: op_names regex "decoder" matches no module (modules: "fc1", "fc2")');
});

test('onStepBegin says whether the masks changed and the ratio it pruned to', () => {
  const modules = model();
  const p = new Pruning(
    {
      pruning_type: 'magnitude',
      pattern: '1x1',
      target_sparsity: 0.5,
      start_step: 0,
      end_step: 2,
      pruning_frequency: 1,
      sparsity_decay_type: 'linear',
    },
    modules,
    quiet,
  );
  p.onTrainBegin();
  const results = [0, 1, 2, 3].map(() => step(p, modules));
  expect(results.map((r) => r.masksChanged)).toEqual([false, true, true, false]);
  expect(results.map((r) => r.pruners[0].target)).toEqual([0, 0.25, 0.5, null]);
});

test('sparsity() also reports totals over every module handed in', () => {
  const modules = model(2, ['fc1', 'fc2', 'bias']);
  modules.bias = { weight: new Float32Array(8), shape: [8] };
  const p = new Pruning({ pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5 }, modules, quiet);
  step(p, modules);
  const report = p.sparsity();
  expect(report.elements).toBe(128);
  expect(report.pruned).toBe(64);
  expect(report.model).toEqual({ modules: 3, elements: 136, pruned: 64, elementSparsity: 64 / 136 });
});

describe('module entries that change between steps', () => {
  test('an entry replaced with the same shape is picked up: the new weight is masked', () => {
    const modules = model();
    const p = new Pruning(
      { pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5, start_step: 0, end_step: 0 },
      modules,
      quiet,
    );
    step(p, modules);
    const fresh = new Float32Array(64).fill(1);
    modules.fc1 = { weight: fresh, grad: null, shape: [8, 8] };
    p.onStepBegin();
    p.onBeforeOptimizerStep();
    p.onAfterOptimizerStep();
    expect(fresh.filter((v) => v === 0).length).toBe(p.masks.fc1.filter((k) => k === 0).length);
    expect(fresh.filter((v) => v === 0).length).toBeGreaterThan(0);
  });

  test('a weight reshaped (e.g. to 1-D) is refused clearly', () => {
    const modules = model();
    const p = new Pruning({ pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5 }, modules, quiet);
    step(p, modules);
    modules.fc1 = { ...modules.fc1, shape: [64] };
    expect(() => p.onStepBegin()).toThrow(ShapeError);
    expect(() => p.onStepBegin()).toThrow(/module "fc1" changed from shape \[8,8\] with 64 weights to shape \[64\]/);
  });
});

describe('names that are Object.prototype keys', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
  test('the driver prunes them like any module', () => {
    const modules = model(3, names);
    const p = new Pruning({ pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5 }, modules, quiet);
    step(p, modules);
    expect(Object.keys(p.masks)).toEqual(names);
    expect(p.sparsity().pruned).toBe(128);
    for (const n of names) expect(Object.prototype.hasOwnProperty.call(p.masks, n)).toBe(true);
  });

  test('pruneOneShot and computeMasks keep them in their results', () => {
    const modules = model(4, names);
    const one = pruneOneShot(modules, { sparsity: 0.5, pattern: '1x1' });
    expect(Object.keys(one.masks)).toEqual(names);
    const layers = names.map((name) => ({ name, shape: [8, 8], scores: modules[name].weight.map(Math.abs) }));
    expect(Object.keys(computeMasks(layers, { pattern: '1x1', ratio: 0.5 }).masks)).toEqual(names);
  });
});

test('pruneOneShot refuses a layer whose scores could not be computed (a NaN weight under "skip")', () => {
  const modules = model(5);
  modules.fc2.weight[3] = NaN;
  const before = modules.fc1.weight.slice();
  expect(() => pruneOneShot(modules, { sparsity: 0.5, pattern: '1x1' })).toThrow(NonFiniteError);
  expect(() => pruneOneShot(modules, { sparsity: 0.5, pattern: '1x1' })).toThrow(/module "fc2" \(1 of them\)/);
  expect(modules.fc1.weight).toEqual(before); // nothing written
});

test('GlobalSelection.masks checks ties before writing anything', () => {
  const layers = [{ name: 'a', shape: [4, 4], scores: new Float32Array(16).map((_, i) => i) }];
  const sel = new GlobalSelection(layers, { pattern: '1x1', ratio: 0.5 });
  while (!sel.done) sel.advance(sel.histogram());
  const into = { a: new Uint8Array(16).fill(7) };
  for (const ties of [[[NaN, 1]], [[-1, 0]], [[2, 1]], [[0.5, 1]], [['1', 2]]] as unknown as number[][][])
    expect(() => sel.masks(ties, 0, into)).toThrow(ArgumentError);
  expect(into.a.every((v) => v === 7)).toBe(true);
  expect(sel.masks().prunedUnits.a).toBe(8);
});
