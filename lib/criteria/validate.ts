/**
 * Checks of user input, each throwing an ArgumentError, ShapeError or ConfigError (lib/errors.ts) that says
 * what is wrong and where. They
 * run before any native call, so a bad module never leaves the others half-updated.
 */
import { ArgumentError, ConfigError, ShapeError } from '../errors';
import type { CriterionConfig, Modules, NonFinitePolicy } from './types';
import { isFloat32Array } from '../typed-arrays';

const NON_FINITE_POLICIES: readonly NonFinitePolicy[] = ['skip', 'error', 'propagate'];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'an Array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

/** Throws unless `value` is a Float32Array of `expected` elements (when given) over a live buffer. */
export function checkFloat32(value: unknown, where: string, expected?: number): asserts value is Float32Array {
  if (!isFloat32Array(value)) throw new ArgumentError(`${where} must be a Float32Array, got ${describe(value)}`);
  if (expected === undefined || value.length === expected) return;
  if (value.buffer.byteLength === 0) {
    // A typed array over a detached (transferred) ArrayBuffer reads as length 0.
    throw new ArgumentError(
      `${where} is empty, its ArrayBuffer detached or transferred: expected ${expected} elements`,
    );
  }
  throw new ShapeError(`${where} has ${value.length} elements, expected ${expected}`);
}

/** Checks the record at construction: every entry has a Float32Array weight that matches its shape. */
export function checkModules(modules: unknown): asserts modules is Modules {
  if (typeof modules !== 'object' || modules === null || Array.isArray(modules))
    throw new ArgumentError(`modules must be a record of name -> { weight, grad?, shape? }, got ${describe(modules)}`);
  for (const [name, entry] of Object.entries(modules)) {
    if (typeof entry !== 'object' || entry === null)
      throw new ArgumentError(`module "${name}" must be an object { weight, grad?, shape? }, got ${describe(entry)}`);
    const { weight, grad, shape } = entry as Record<string, unknown>;
    checkFloat32(weight, `module "${name}": weight`);
    if (grad !== undefined && grad !== null) checkFloat32(grad, `module "${name}": grad`, weight.length);
    if (shape !== undefined) checkShape(shape, weight.length, `module "${name}"`);
  }
}

/** Throws unless `shape` is a list of non-negative integers whose product is `length`. */
export function checkShape(shape: unknown, length: number, where: string): asserts shape is readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  const product = shape.reduce((a: number, b: number) => a * b, 1);
  if (product !== length)
    throw new ShapeError(`${where}: shape [${shape.join(', ')}] holds ${product} elements but weight has ${length}`);
}

/** Checks the keys every criterion reads; returns the non-finite policy. */
export function checkCriterionConfig(config: unknown): NonFinitePolicy {
  if (typeof config !== 'object' || config === null)
    throw new ConfigError(`config must be an object with a criterion_type, got ${describe(config)}`);
  const policy = (config as CriterionConfig).on_non_finite ?? 'skip';
  if (!NON_FINITE_POLICIES.includes(policy))
    throw new ConfigError(
      `on_non_finite must be one of ${NON_FINITE_POLICIES.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(policy)}`,
    );
  return policy;
}

/** A config number that must be finite, or its default when absent. */
export function finiteOption(config: CriterionConfig, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ConfigError(
      `${key} must be a finite number, got ${typeof value === 'number' ? value : (JSON.stringify(value) ?? String(value))}`,
    );
  return value;
}
