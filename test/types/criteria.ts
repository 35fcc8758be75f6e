/**
 * Type tests of the criteria, the SIMD and thread controls and the loader's origin (compiled by
 * `tsc -p tsconfig.types.json` in `npm run lint`, never run). `expectType<T>()(x)` needs `x` to be exactly
 * `T`; a `@ts-expect-error` line that compiles is an error, so each refusal below is checked too.
 */
import {
  BUILTIN_CRITERIA,
  BUILTIN_CRITERION_NAMES,
  type BindingOrigin,
  type BuiltinCriterion,
  type CriterionClass,
  type CriterionConfig,
  type CriterionHook,
  type ElementwiseKernel,
  GradientCriterion,
  MagnitudeCriterion,
  type Modules,
  type NonFinitePolicy,
  PruningCriterion,
  type SimdInfo,
  type SimdLevel,
  SnipCriterion,
  SnipMomentumCriterion,
  bindingOrigin,
  criteriaNames,
  getCriterion,
  registerCriterion,
  setSimd,
  setThreads,
  simdInfo,
  threads,
} from '../../lib';
import { expectType } from './expect';

const modules: Modules = { fc: { weight: new Float32Array(4), grad: new Float32Array(4), shape: [2, 2] } };
// @ts-expect-error a weight is a Float32Array, not a number[]
const badModules: Modules = { fc: { weight: [1, 2] } };
// @ts-expect-error grads are Float32Array too
const badGrad: Modules = { fc: { weight: new Float32Array(2), grad: new Float64Array(2) } };

// Configs keep the reference's snake_case keys; the policy is a closed union.
const config: CriterionConfig = { criterion_type: 'snip_momentum', alpha: 0.9, beta: 1, on_non_finite: 'error' };
// @ts-expect-error not a policy
const badPolicy: CriterionConfig = { criterion_type: 'snip', on_non_finite: 'ignore' };
// @ts-expect-error alpha is a number
const badAlpha: CriterionConfig = { criterion_type: 'snip_momentum', alpha: '0.9' };
// @ts-expect-error criterion_type is required
const noType: CriterionConfig = { alpha: 0.9 };
expectType<NonFinitePolicy>()('skip' as NonFinitePolicy);

// getCriterion builds the base type; its scores are a read-only record of Float32Array.
const c = getCriterion(config, modules);
expectType<PruningCriterion>()(c);
expectType<Readonly<Record<string, Float32Array>>>()(c.scores);
expectType<boolean>()(c.readsGradients);
expectType<ReadonlyArray<{ module: string; count: number }>>()(c.lastNonFinite);
expectType<void>()(c.onStepBegin());
expectType<Promise<void>>()(c.onBeforeOptimizerStepAsync());
// @ts-expect-error the scores record cannot be replaced
c.scores = {};
// @ts-expect-error nor can one of its entries
c.scores.fc = new Float32Array(4);
expectType<string[]>()(criteriaNames());

// The built-in classes, and their metadata as statics with literal types.
expectType<BuiltinCriterion>()('magnitude' as 'magnitude' | 'gradient' | 'snip' | 'snip_momentum');
// @ts-expect-error the reference spells it with an underscore
const misspelt: BuiltinCriterion = 'snip-momentum';
expectType<readonly BuiltinCriterion[]>()(BUILTIN_CRITERION_NAMES);
expectType<typeof MagnitudeCriterion>()(BUILTIN_CRITERIA.magnitude);
expectType<'onStepBegin'>()(MagnitudeCriterion.scoringHook);
expectType<'onBeforeOptimizerStep'>()(GradientCriterion.scoringHook);
expectType<true>()(SnipCriterion.readsGradients);
expectType<ElementwiseKernel>()(SnipMomentumCriterion.kernel);
expectType<CriterionHook | undefined>()(PruningCriterion.scoringHook);
const momentum = new SnipMomentumCriterion(modules, config);
expectType<number>()(momentum.alpha);
// @ts-expect-error alpha is read-only
momentum.alpha = 0.5;
// @ts-expect-error the kernel is a static, not an instance member, and protected there
void momentum.kernel;

// User criteria: a class decorator and a plain call; the class is returned unchanged.
@registerCriterion('random')
class RandomCriterion extends PruningCriterion {
  static override readonly readsGradients = false;
  override onStepBegin(): void {
    for (const s of Object.values(this.scores)) s.fill(Math.random());
  }
}
expectType<typeof RandomCriterion>()(registerCriterion('random2')(RandomCriterion));
const asClass: CriterionClass = RandomCriterion;
// @ts-expect-error a class that is not a criterion cannot be registered
registerCriterion('date')(Date);
// @ts-expect-error readsGradients is a boolean
class BadStatic extends PruningCriterion {
  static override readonly readsGradients = 'yes';
}

// SIMD, threads, the loader.
expectType<SimdInfo>()(simdInfo());
expectType<SimdLevel>()(simdInfo().active);
expectType<SimdLevel>()(setSimd('avx2'));
// @ts-expect-error not an instruction set
setSimd('sse4');
expectType<number>()(threads());
expectType<number>()(setThreads(2));
// @ts-expect-error a count, not a string
setThreads('2');
expectType<BindingOrigin>()(bindingOrigin);
expectType<'override' | 'prebuilt' | 'built'>()(bindingOrigin.kind);
expectType<string[]>()(bindingOrigin.passedOver);

void [badModules, badGrad, badPolicy, badAlpha, noType, misspelt, asClass, BadStatic];
