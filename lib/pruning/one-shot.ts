/**
 * One-shot pruning of a set of modules (a checkpoint): score once with a criterion, select to the target
 * sparsity under the pattern, zero the pruned weights in place. What `prunekit prune` runs.
 */
import { getCriterion, type Modules, type NonFinitePolicy } from '../criteria';
import { checkModules } from '../criteria/validate';
import { ConfigError, NonFiniteError } from '../errors';
import { applyMasks } from './masks';
import { patternMasks } from './pattern-masks';
import { layoutOf, moduleSkipReason, parsePattern, parseReduceType, type ReduceType } from './patterns';
import { sparsityReport, type SparsityReport } from './sparsity';
import { DEFAULT_MAX_SPARSITY_RATIO_PER_OP, validateRatio } from './target';

export interface OneShotOptions {
  /** Target sparsity in [0, 1]. */
  sparsity: number;
  /** Default "4x1". */
  pattern?: string;
  /** A registered criterion; default "magnitude". Gradient criteria read `grad` of each module. */
  criterion?: string;
  /** Default "global". */
  scope?: 'global' | 'local';
  reduce?: ReduceType;
  tie_mode?: 'exact' | 'threshold';
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

/**
 * Prunes `modules` once, in place.
 * @example
 * const { report } = pruneOneShot(modules, { sparsity: 0.9, pattern: '4x1' });
 * report.elementSparsity; // 0.9 (to one block)
 */
export function pruneOneShot(modules: Modules, options: OneShotOptions): OneShotResult {
  checkModules(modules);
  const sparsity = validateRatio(options.sparsity, 'sparsity');
  const pattern = parsePattern(options.pattern ?? '4x1');
  const scope = options.scope ?? 'global';
  if (scope !== 'global' && scope !== 'local')
    throw new ConfigError(`unknown scope ${JSON.stringify(scope)}; accepted: "global", "local"`);
  const reduce = parseReduceType(options.reduce ?? 'mean');
  const tieMode = options.tie_mode ?? 'exact';
  if (tieMode !== 'exact' && tieMode !== 'threshold')
    throw new ConfigError(`unknown tie_mode ${JSON.stringify(tieMode)}; accepted: "exact", "threshold"`);
  let max = validateRatio(
    options.max_sparsity_ratio_per_op ?? DEFAULT_MAX_SPARSITY_RATIO_PER_OP,
    'max_sparsity_ratio_per_op',
  );
  const min = validateRatio(options.min_sparsity_ratio_per_op ?? 0, 'min_sparsity_ratio_per_op');
  if (pattern.kind === 'n:m') {
    if (sparsity > pattern.n / pattern.m)
      throw new ConfigError(
        `sparsity ${sparsity} is above what pattern "${pattern.name}" can reach (N/M = ${pattern.n / pattern.m})`,
      );
    max = Math.min(max, pattern.n / pattern.m);
  }

  const selected: Modules = Object.create(null);
  const skipped: Record<string, string> = Object.create(null);
  for (const [name, entry] of Object.entries(modules)) {
    const reason = moduleSkipReason(pattern, name, entry.shape, layoutOf(name, entry));
    if (reason === null) Object.defineProperty(selected, name, { value: entry, enumerable: true });
    else skipped[name] = reason;
  }
  const type = options.criterion ?? 'magnitude';
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
  const { masks } = patternMasks(
    names.map((name) => ({
      name,
      shape: selected[name].shape as number[],
      layout: selected[name].layout,
      scores: criterion.scores[name],
    })),
    {
      pattern,
      ratio: sparsity,
      reduce,
      scope,
      tie_mode: tieMode,
      max_sparsity_ratio_per_op: max,
      min_sparsity_ratio_per_op: min,
      target_sparsity: sparsity,
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
