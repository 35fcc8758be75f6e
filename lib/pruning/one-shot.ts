/**
 * One-shot pruning of a set of modules (a checkpoint): score once with a criterion, select to the target
 * sparsity under the pattern, zero the pruned weights in place. What `prunekit prune` runs.
 */
import { getCriterion, type Modules, type NonFinitePolicy } from '../criteria';
import { checkModules } from '../criteria/validate';
import { NonFiniteError } from '../errors';
import { applyMasks } from './masks';
import {
  DEFAULT_ONE_SHOT_CRITERION,
  parseStepOptions,
  type Scope,
  type StepOptionNames,
  type TieMode,
} from './options';
import { planLayer, type LayerPlan } from './layer-plan';
import { plannedMasks } from './pattern-masks';
import type { ReduceType } from './patterns';
import { sparsityReport, type SparsityReport } from './sparsity';

export interface OneShotOptions {
  /** Target sparsity in [0, 1]. */
  sparsity: number;
  /** Default "4x1" (the defaults of pattern, scope, reduce, tie mode and bounds: lib/pruning/options.ts). */
  pattern?: string;
  /** A registered criterion; default "magnitude". Gradient criteria read `grad` of each module. */
  criterion?: string;
  /** Default "global". */
  scope?: Scope;
  reduce?: ReduceType;
  tie_mode?: TieMode;
  max_sparsity_ratio_per_op?: number;
  min_sparsity_ratio_per_op?: number;
  alpha?: number;
  beta?: number;
  on_non_finite?: NonFinitePolicy;
}

export interface OneShotResult {
  /** Keep masks (1 kept, 0 pruned, weight layout) of the pruned modules. */
  masks: Record<string, Uint8Array>;
  /** Modules left dense, with the reason (1-D, no shape, not divided by the pattern). */
  skipped: Record<string, string>;
  report: SparsityReport;
}

/** pruneOneShot's option names, as its errors say them. */
const ONE_SHOT_NAMES: StepOptionNames = {
  ratio: 'sparsity',
  pattern: 'pattern',
  scope: 'scope',
  tieMode: 'tie_mode',
  reduce: 'reduce',
  max: 'max_sparsity_ratio_per_op',
  min: 'min_sparsity_ratio_per_op',
};

/**
 * Prunes `modules` once, in place.
 * @example
 * const { report } = pruneOneShot(modules, { sparsity: 0.9, pattern: '4x1' });
 * report.elementSparsity; // 0.9 (to one block)
 */
export function pruneOneShot(modules: Modules, options: OneShotOptions): OneShotResult {
  checkModules(modules);
  const step = parseStepOptions(
    {
      ratio: options.sparsity,
      pattern: options.pattern,
      scope: options.scope,
      tieMode: options.tie_mode,
      reduce: options.reduce,
      max: options.max_sparsity_ratio_per_op,
      min: options.min_sparsity_ratio_per_op,
    },
    ONE_SHOT_NAMES,
  );
  const { pattern } = step;

  // Each module planned once: its plan, or why it stays dense.
  const selected: Modules = Object.create(null);
  const skipped: Record<string, string> = Object.create(null);
  const plans: LayerPlan[] = [];
  for (const [name, entry] of Object.entries(modules)) {
    const { plan, skip } = planLayer(name, entry.shape, entry.layout, pattern);
    if (plan === null) {
      skipped[name] = skip;
      continue;
    }
    Object.defineProperty(selected, name, { value: entry, enumerable: true });
    plans.push(plan);
  }
  const type = options.criterion ?? DEFAULT_ONE_SHOT_CRITERION;
  const criterion = getCriterion(
    { criterion_type: type, alpha: options.alpha, beta: options.beta, on_non_finite: options.on_non_finite },
    selected,
  );
  // One step's scoring hooks, in order: magnitude scores in the first, the gradient criteria in the second.
  // Under "skip" a module with a non-finite term keeps its initial scores (all 0): selecting on them would
  // prune it in index order up to the cap. Refuse instead, naming the modules; nothing is written.
  criterion.onStepBegin();
  const flagged = [...criterion.lastNonFinite];
  criterion.onBeforeOptimizerStep();
  if (flagged.length === 0) flagged.push(...criterion.lastNonFinite);
  if (flagged.length > 0 && (options.on_non_finite ?? 'skip') === 'skip') throw new NonFiniteError(type, flagged);

  const names = Object.keys(selected);
  const { masks } = plannedMasks(
    plans.map((plan) => ({ plan, scores: criterion.scores[plan.name] })),
    {
      pattern,
      ratio: step.ratio,
      reduce: step.reduce,
      scope: step.scope,
      tie_mode: step.tieMode,
      max_sparsity_ratio_per_op: step.stepMaxRatio,
      min_sparsity_ratio_per_op: step.minRatio,
      target_sparsity: step.ratio,
    },
  );
  for (const name of names) applyMasks(selected[name].weight, masks[name]);
  const report = sparsityReport(
    names.map((name) => ({
      name,
      shape: selected[name].shape as number[],
      layout: selected[name].layout,
      keep: masks[name],
      pattern,
    })),
  );
  return { masks, skipped, report };
}
