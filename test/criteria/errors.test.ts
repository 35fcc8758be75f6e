// Bad input: each case its own test; the error comes before anything is written.
// Each error is checked for its class (lib/errors.ts) and its whole message: jest's toThrow(new X(msg)) only
// compares messages, so the class is asserted on its own.
import {
  ArgumentError,
  ConfigError,
  getCriterion,
  PrunekitError,
  ShapeError,
  type CriterionConfig,
  type Modules,
} from '../../lib';

const f32 = (xs: number[]) => new Float32Array(xs);

/** A two-module record where module "a" is fine, so a failure on "b" must leave a's scores alone. */
function setup(config: CriterionConfig, b: Record<string, unknown>) {
  const modules = {
    a: { weight: f32([1, -2]), grad: f32([3, 4]) },
    b: { weight: f32([5, 6, 7]), grad: f32([1, 1, 1]) },
  } as Modules;
  const c = getCriterion(config, modules);
  Object.assign(modules.b, b);
  const before = Object.fromEntries(Object.entries(c.scores).map(([k, v]) => [k, v.slice()]));
  return { c, modules, before };
}

/** The error `fn` throws, checked to be a `cls` (and so a PrunekitError with a code) with exactly `message`. */
function expectError(fn: () => unknown, cls: new (message: string) => PrunekitError, message: string | RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(cls);
  expect((thrown as PrunekitError).code).toBe(new cls('').code);
  if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
  else expect((thrown as Error).message).toMatch(message);
}

function expectUntouched(c: { scores: Readonly<Record<string, Float32Array>> }, before: Record<string, Float32Array>) {
  for (const [name, s] of Object.entries(c.scores)) expect(s).toEqual(before[name]);
}

test.each(['magnitude', 'gradient', 'snip', 'snip_momentum'])('%s: a weight that is not a Float32Array', (type) => {
  const { c, before } = setup({ criterion_type: type }, { weight: [5, 6, 7] });
  const hook = type === 'magnitude' ? () => c.onStepBegin() : () => c.onBeforeOptimizerStep();
  const hookName = type === 'magnitude' ? 'onStepBegin' : 'onBeforeOptimizerStep';
  expectError(hook, ArgumentError, `${type}.${hookName}: module "b": weight must be a Float32Array, got an Array`);
  expectUntouched(c, before);
});

test('a Float64Array grad is refused', () => {
  const { c, before } = setup({ criterion_type: 'snip' }, { grad: new Float64Array(3) });
  expectError(
    () => c.onBeforeOptimizerStep(),
    ArgumentError,
    'snip.onBeforeOptimizerStep: module "b": grad must be a Float32Array, got Float64Array',
  );
  expectUntouched(c, before);
});

test('a weight/grad length mismatch names the module and both lengths', () => {
  const { c, before } = setup({ criterion_type: 'snip_momentum' }, { grad: f32([1, 2]) });
  expectError(
    () => c.onBeforeOptimizerStep(),
    ShapeError,
    'snip_momentum.onBeforeOptimizerStep: module "b": grad has 2 elements, expected 3',
  );
  expectUntouched(c, before);
});

test('a weight replaced by one of another length is refused', () => {
  const { c, before } = setup({ criterion_type: 'magnitude' }, { weight: f32([1, 2, 3, 4]) });
  expectError(
    () => c.onStepBegin(),
    ShapeError,
    'magnitude.onStepBegin: module "b": weight has 4 elements, expected 3',
  );
  expectUntouched(c, before);
});

test.each(['gradient', 'snip', 'snip_momentum'])('%s: a missing grad is an error naming the module', (type) => {
  const { c, before } = setup({ criterion_type: type }, { grad: null });
  expectError(
    () => c.onBeforeOptimizerStep(),
    ArgumentError,
    `${type}.onBeforeOptimizerStep: module "b" has no grad: ${type} reads gradients, run backward first`,
  );
  expectUntouched(c, before);
});

test('a grad whose ArrayBuffer was transferred (detached) is refused', () => {
  const grad = f32([1, 2, 3]);
  const { c, before } = setup({ criterion_type: 'snip' }, { grad });
  structuredClone(grad.buffer, { transfer: [grad.buffer] });
  expectError(
    () => c.onBeforeOptimizerStep(),
    ArgumentError,
    'snip.onBeforeOptimizerStep: module "b": grad is empty, its ArrayBuffer detached or transferred: expected 3 elements',
  );
  expectUntouched(c, before);
});

test('a module removed from the record after construction is named', () => {
  const { c, modules, before } = setup({ criterion_type: 'magnitude' }, {});
  delete (modules as Record<string, unknown>).b;
  expectError(
    () => c.onStepBegin(),
    ArgumentError,
    'magnitude.onStepBegin: module "b" is missing from the modules record',
  );
  expectUntouched(c, before);
});

test.each([
  ['alpha', Number.NaN, 'alpha must be a finite number, got NaN'],
  ['alpha', Infinity, 'alpha must be a finite number, got Infinity'],
  ['beta', '1.0', 'beta must be a finite number, got "1.0"'],
  ['beta', null, 'beta must be a finite number, got null'],
])('snip_momentum: %s = %p is refused', (key, value, message) => {
  expectError(
    () => getCriterion({ criterion_type: 'snip_momentum', [key]: value }, { a: { weight: f32([1]) } }),
    ConfigError,
    message,
  );
});

test('an unknown on_non_finite policy is refused', () => {
  expectError(
    () => getCriterion({ criterion_type: 'snip', on_non_finite: 'ignore' as never }, {}),
    ConfigError,
    'on_non_finite must be one of "skip", "error", "propagate", got "ignore"',
  );
});

test('construction refuses a bad modules record', () => {
  expectError(
    () => getCriterion({ criterion_type: 'magnitude' }, null as never),
    ArgumentError,
    /^modules must be a record/,
  );
  expectError(
    () => getCriterion({ criterion_type: 'magnitude' }, { a: { weight: [1, 2] } } as never),
    ArgumentError,
    'module "a": weight must be a Float32Array, got an Array',
  );
  expectError(
    () => getCriterion({ criterion_type: 'magnitude' }, { a: { weight: f32([1, 2]), shape: [3] } }),
    ShapeError,
    'module "a": shape [3] holds 3 elements but weight has 2',
  );
  expectError(
    () => getCriterion({ criterion_type: 'magnitude' }, { a: { weight: f32([1, 2]), shape: [2, -1] } }),
    ShapeError,
    /shape must be an array of non-negative integers/,
  );
  expectError(
    () => getCriterion({ criterion_type: 'snip' }, { a: { weight: f32([1, 2]), grad: f32([1]) } }),
    ShapeError,
    'module "a": grad has 1 elements, expected 2',
  );
});

test('getCriterion refuses a config that is not an object', () => {
  expectError(
    () => getCriterion('magnitude' as never, {}),
    ConfigError,
    'getCriterion needs a config object with a criterion_type, got magnitude',
  );
});
