/** The criteria: importing this registers the four built-in ones, in the reference's order. */
export { PruningCriterion } from './base';
export { ElementwiseCriterion } from './elementwise';
export { MagnitudeCriterion } from './magnitude';
export { GradientCriterion } from './gradient';
export { SnipCriterion } from './snip';
export { SnipMomentumCriterion } from './snip-momentum';
export type { MomentumBlocks, MomentumBlockLayer } from './snip-momentum';
export type { ElementwiseKernel } from './elementwise';
export { BUILTIN_CRITERIA, BUILTIN_CRITERION_NAMES } from './builtin';
export type { BuiltinCriterion } from './builtin';
export { registerCriterion, getCriterion, criteriaNames } from './registry';
export type { CriterionClass } from './registry';
export type { CriterionConfig, CriterionHook, ModuleTensors, Modules, NonFinitePolicy } from './types';
