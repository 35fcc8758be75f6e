/** The four built-in criteria by name: the one list the CLI, the benchmarks and the types derive from. */
// In the reference's order: importing a class registers it, and the registry lists names in that order.
import { MagnitudeCriterion } from './magnitude';
import { GradientCriterion } from './gradient';
import { SnipCriterion } from './snip';
import { SnipMomentumCriterion } from './snip-momentum';

/**
 * The built-in criterion classes by registered name, in the reference's order. Each carries its metadata
 * as statics: `scoringHook` (the hook that computes its scores), `readsGradients` and `kernel` (the raw
 * binding op and what it reads).
 * @example
 * BUILTIN_CRITERIA.snip.scoringHook; // 'onBeforeOptimizerStep'
 * BUILTIN_CRITERIA.magnitude.readsGradients; // false
 */
export const BUILTIN_CRITERIA = Object.freeze({
  magnitude: MagnitudeCriterion,
  gradient: GradientCriterion,
  snip: SnipCriterion,
  snip_momentum: SnipMomentumCriterion,
});

/** The name of a built-in criterion: `'magnitude' | 'gradient' | 'snip' | 'snip_momentum'`. */
export type BuiltinCriterion = keyof typeof BUILTIN_CRITERIA;

/** The built-in names, in the reference's order. */
export const BUILTIN_CRITERION_NAMES = Object.freeze(Object.keys(BUILTIN_CRITERIA) as BuiltinCriterion[]);
