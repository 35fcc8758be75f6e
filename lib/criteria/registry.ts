/** The registry of criteria by name, and the factory that builds one from a config. */
import { ArgumentError, ConfigError, StateError } from '../errors';
import type { PruningCriterion } from './base';
import type { CriterionConfig, Modules } from './types';

/** A criterion class, constructed as in the reference: `new XCriterion(modules, config)`. */
export type CriterionClass = new (modules: Modules, config: CriterionConfig) => PruningCriterion;

const registry = new Map<string, CriterionClass>();

/**
 * Registers a criterion class under `name`. Works as a class decorator (TypeScript's standard and legacy
 * decorators alike) and as a plain call. Registering a second class under a taken name is an error.
 *
 * @example
 * @registerCriterion('random')
 * class RandomCriterion extends PruningCriterion { ... }
 * // or, without decorators:
 * registerCriterion('random')(RandomCriterion);
 */
export function registerCriterion(name: string): <T extends CriterionClass>(cls: T, context?: unknown) => T {
  if (typeof name !== 'string' || name.length === 0)
    throw new ArgumentError(`registerCriterion needs a non-empty name, got ${JSON.stringify(name)}`);
  return <T extends CriterionClass>(cls: T): T => {
    if (typeof cls !== 'function') throw new ArgumentError(`registerCriterion('${name}') must be given a class`);
    const existing = registry.get(name);
    if (existing !== undefined && existing !== cls)
      throw new StateError(`criterion "${name}" is already registered (by ${existing.name})`);
    registry.set(name, cls);
    return cls;
  };
}

/** The registered names, built-in ones first. */
export function criteriaNames(): string[] {
  return [...registry.keys()];
}

/**
 * Builds the criterion named by `config.criterion_type` over `modules`.
 *
 * @example
 * const criterion = getCriterion({ criterion_type: 'snip_momentum', alpha: 0.9, beta: 1.0 }, modules);
 */
export function getCriterion(config: CriterionConfig, modules: Modules): PruningCriterion {
  if (typeof config !== 'object' || config === null)
    throw new ConfigError(`getCriterion needs a config object with a criterion_type, got ${String(config)}`);
  const name = config.criterion_type;
  const cls = typeof name === 'string' ? registry.get(name) : undefined;
  if (cls === undefined)
    throw new ConfigError(
      `criteria does not support ${JSON.stringify(name)}, currently only support [${criteriaNames().join(', ')}]`,
    );
  return new cls(modules, config);
}
