// Which hook computes which score, accumulation over steps, stable score objects, fresh grads each step.
import {
  GradientCriterion,
  MagnitudeCriterion,
  PruningCriterion,
  SnipCriterion,
  SnipMomentumCriterion,
  getCriterion,
  type Modules,
} from '../../lib';

const f32 = (xs: number[]) => new Float32Array(xs);

function twoModules(): Modules {
  return {
    a: { weight: f32([-1, 2, -3, 0.5]), grad: f32([0.5, -0.25, 2, 8]), shape: [2, 2] },
    b: { weight: f32([4, -5]), grad: f32([-1, 3]) },
  };
}

test('scores start at zero, one Float32Array per module with the weight length', () => {
  const c = new SnipMomentumCriterion(twoModules(), { criterion_type: 'snip_momentum' });
  expect(Object.keys(c.scores)).toEqual(['a', 'b']);
  expect(c.scores.a).toEqual(f32([0, 0, 0, 0]));
  expect(c.scores.b).toEqual(f32([0, 0]));
});

test('magnitude scores |w| in onStepBegin only', () => {
  const c = new MagnitudeCriterion(twoModules(), { criterion_type: 'magnitude' });
  c.onBeforeOptimizerStep();
  c.onAfterOptimizerStep();
  expect(c.scores.a).toEqual(f32([0, 0, 0, 0]));
  c.onStepBegin();
  expect(c.scores.a).toEqual(f32([1, 2, 3, 0.5]));
  expect(c.scores.b).toEqual(f32([4, 5]));
});

test('magnitude needs no grad', () => {
  const modules: Modules = { a: { weight: f32([-7]) } };
  const c = getCriterion({ criterion_type: 'magnitude' }, modules);
  c.onStepBegin();
  expect(c.scores.a).toEqual(f32([7]));
});

test('gradient scores |g| in onBeforeOptimizerStep only', () => {
  const c = new GradientCriterion(twoModules(), { criterion_type: 'gradient' });
  c.onStepBegin();
  c.onAfterOptimizerStep();
  expect(c.scores.a).toEqual(f32([0, 0, 0, 0]));
  c.onBeforeOptimizerStep();
  expect(c.scores.a).toEqual(f32([0.5, 0.25, 2, 8]));
  expect(c.scores.b).toEqual(f32([1, 3]));
});

test('snip scores |w * g| in onBeforeOptimizerStep only', () => {
  const c = new SnipCriterion(twoModules(), { criterion_type: 'snip' });
  c.onStepBegin();
  expect(c.scores.a).toEqual(f32([0, 0, 0, 0]));
  c.onBeforeOptimizerStep();
  expect(c.scores.a).toEqual(f32([0.5, 0.5, 6, 4]));
  expect(c.scores.b).toEqual(f32([4, 15]));
});

test('snip_momentum accumulates s = s * alpha + beta * |w * g| over steps (hand-computed)', () => {
  const modules: Modules = { a: { weight: f32([2, -4]), grad: f32([1, 1]) } };
  const c = getCriterion({ criterion_type: 'snip_momentum', alpha: 0.5, beta: 2 }, modules);
  c.onBeforeOptimizerStep(); // 0 * .5 + 2 * [2, 4]
  expect(c.scores.a).toEqual(f32([4, 8]));
  modules.a.grad = f32([0.5, -0.25]); // a new grad buffer, as a framework may hand
  c.onBeforeOptimizerStep(); // [4, 8] * .5 + 2 * [1, 1]
  expect(c.scores.a).toEqual(f32([4, 6]));
  c.onStepBegin();
  c.onAfterOptimizerStep();
  expect(c.scores.a).toEqual(f32([4, 6]));
});

test('snip_momentum defaults are alpha 0.9, beta 1.0, as the reference hard-codes', () => {
  const modules: Modules = { a: { weight: f32([1]), grad: f32([1]) } };
  const c = new SnipMomentumCriterion(modules, { criterion_type: 'snip_momentum' });
  expect([c.alpha, c.beta]).toEqual([0.9, 1.0]);
  c.onBeforeOptimizerStep();
  c.onBeforeOptimizerStep();
  expect(c.scores.a[0]).toBe(Math.fround(Math.fround(1 * Math.fround(0.9)) + 1));
});

test('the scores record and its arrays are the same objects every step', () => {
  const modules = twoModules();
  const c = new SnipMomentumCriterion(modules, { criterion_type: 'snip_momentum' });
  const record = c.scores;
  const arrays = Object.values(c.scores);
  for (let i = 0; i < 5; i++) {
    modules.a.grad = f32([i, i, i, i]);
    c.onBeforeOptimizerStep();
  }
  expect(c.scores).toBe(record);
  expect(Object.values(c.scores)).toEqual(arrays);
  Object.values(c.scores).forEach((s, i) => expect(s).toBe(arrays[i]));
  expect(Object.isFrozen(c.scores)).toBe(true);
});

test('weights and grads may be subarray views at any byteOffset', () => {
  const backing = new Float32Array(64).map((_, i) => (i % 2 ? -i : i) / 4);
  const weight = backing.subarray(3, 3 + 37); // byteOffset 12: not 16/32/64-aligned
  const grad = backing.subarray(21, 21 + 37);
  const c = getCriterion({ criterion_type: 'snip' }, { a: { weight, grad } });
  c.onBeforeOptimizerStep();
  const want = Float32Array.from(weight, (w, i) => Math.abs(Math.fround(w * grad[i])));
  expect(c.scores.a).toEqual(want);
});

test('the base class hooks do nothing', () => {
  const c = new PruningCriterion(twoModules(), { criterion_type: 'base' });
  c.onStepBegin();
  c.onBeforeOptimizerStep();
  c.onAfterOptimizerStep();
  expect(c.scores.a).toEqual(f32([0, 0, 0, 0]));
});

test('score buffers cannot be detached by a transfer (native work may be writing them)', () => {
  const c = getCriterion({ criterion_type: 'magnitude' }, twoModules());
  c.onStepBegin();
  const copy = structuredClone(c.scores.a.buffer as ArrayBuffer, { transfer: [c.scores.a.buffer as ArrayBuffer] });
  expect(new Float32Array(copy)).toEqual(f32([1, 2, 3, 0.5]));
  expect(c.scores.a).toEqual(f32([1, 2, 3, 0.5]));
});

test('a module named "__proto__" is scored like any other', () => {
  const modules = JSON.parse('{"__proto__": {}, "b": {}}') as Modules;
  modules['__proto__'].weight = f32([-3, 4]);
  modules.b.weight = f32([-1]);
  const c = getCriterion({ criterion_type: 'magnitude' }, modules);
  c.onStepBegin();
  expect(Object.keys(c.scores)).toEqual(['__proto__', 'b']);
  expect(c.scores['__proto__']).toEqual(f32([3, 4]));
});
