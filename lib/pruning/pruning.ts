/**
 * The Pruning driver: builds one pruner per entry of a reference-layout config over the modules record and
 * runs the training-loop hooks in order (SPEC 2):
 *   onStepBegin (update masks on a pruning step, apply them) -> forward, backward ->
 *   onBeforeOptimizerStep (regulariser, then criterion) -> optimizer step ->
 *   onAfterOptimizerStep (regulariser, re-apply masks, step + 1) -> onStepEnd.
 * onStepBeginAsync and onBeforeOptimizerStepAsync run the criteria's scoring (and the mask update) on worker
 * threads; onAfterOptimizerStepAsync applies the masks there, every layer in one native call.
 */
import { checkModules } from '../criteria/validate';
import { getCriterion, type ModuleTensors, type Modules } from '../criteria';
import { ConfigError, ShapeError, StateError } from '../errors';
import { resolvePruningConfig, type PruningConfigInput, type PrunerConfig } from './config';
import { applyMasksAsync } from './native-step';
import { layoutOf, moduleSkipReason } from './patterns';
import { BasicPruner, PatternLockPruner, type Pruner } from './pruner';
import { PruningSchedule } from './schedules';
import { sparsityReport, type SparsityReport } from './sparsity';
import { isFloat32Array } from '../typed-arrays';

/** What onStepBegin did. */
export interface StepBeginResult {
  /** True when some pruner computed masks that differ from the ones before the step. */
  masksChanged: boolean;
  /** Per pruner, in config order: whether its masks changed, and the ratio it pruned to (null: no pruning step). */
  pruners: Array<{ masksChanged: boolean; target: number | null }>;
}

/** The driver's report: the pruned layers, and totals over every module handed in. */
export interface PruningSparsity extends SparsityReport {
  /** Every module of the record (pruned or not): weights, weights the masks prune, and their ratio. */
  model: { modules: number; elements: number; pruned: number; elementSparsity: number };
}

export interface PruningOptions {
  /** Receives warnings (unknown config keys, skipped layers). Default: `process.emitWarning`. */
  warn?: (message: string) => void;
  /** Also zero the grads of pruned weights in onBeforeOptimizerStep, after the criterion has read them. */
  maskGrads?: boolean;
}

type Phase = 'idle' | 'begun' | 'before' | 'after';
const ORDER = 'onStepBegin -> onBeforeOptimizerStep -> (optimizer step) -> onAfterOptimizerStep -> onStepEnd';

/** Whether `name` is selected by a pruner's op_names / excluded_op_names (Python re.search semantics). */
function selects(config: PrunerConfig, name: string): boolean {
  const included = config.op_names.length === 0 || config.op_names.some((re) => new RegExp(re).test(name));
  return included && !config.excluded_op_names.some((re) => new RegExp(re).test(name));
}

/** Throws if an op_names regex of a pruner matches no module: a typo would otherwise prune nothing. */
function checkOpNames(config: PrunerConfig, names: readonly string[], where: string): void {
  for (const re of config.op_names) {
    const regex = new RegExp(re);
    if (!names.some((name) => regex.test(name)))
      throw new ConfigError(
        `${where}: op_names regex ${JSON.stringify(re)} matches no module (modules: ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'})`,
      );
  }
}

/**
 * A gradient criterion cannot choose at step 0: no gradient has been seen, every score is 0, and blocks
 * would go in index order. INC asserts `end_step > 0` for these criteria.
 */
function checkFirstStep(config: PrunerConfig, where: string): void {
  if (config.pruning_type === 'pattern_lock') return;
  const criterion = getCriterion({ criterion_type: config.pruning_type }, {});
  if (!criterion.readsGradients) return;
  const ratio = new PruningSchedule(config).ratioAt(0);
  if (ratio === undefined || ratio === 0) return;
  throw new ConfigError(
    `${where}: pruning_type "${config.pruning_type}" scores from gradients, but its first pruning step is step 0 ` +
      `(start_step ${config.start_step}, end_step ${config.end_step}), before any gradient has been seen: every score would be 0 ` +
      `and weights would be pruned in index order. Prune after at least one optimizer step (start_step >= 1), ` +
      `or use pruning_type "magnitude" to prune at step 0`,
  );
}

/**
 * @example
 * const pruning = new Pruning({ target_sparsity: 0.9, pattern: '4x1', pruning_type: 'snip_momentum',
 *   start_step: 0, end_step: 1000, pruning_frequency: 50 }, modules);
 * pruning.onTrainBegin();
 * for (let step = 0; step < 1200; step++) {
 *   pruning.onStepBegin();
 *   forwardAndBackward(); // fills modules[name].grad
 *   pruning.onBeforeOptimizerStep();
 *   optimizer.step();
 *   pruning.onAfterOptimizerStep();
 *   pruning.onStepEnd();
 * }
 * pruning.sparsity().elementSparsity; // about 0.9
 */
export class Pruning {
  readonly pruners: Pruner[] = [];
  /** Skip reason per module that a pruner selected but cannot prune (shape, pattern). */
  readonly skipped: Record<string, string> = Object.create(null);
  readonly warnings: string[] = [];
  private phase: Phase = 'idle';
  private trained = false;
  private inFlight: string | null = null;
  /** Shape and layout of every module a pruner prunes, as at construction (the plan is built for them). */
  private readonly planned = new Map<
    string,
    { entry: ModuleTensors; shape: string; layout: unknown; length: number }
  >();

  constructor(
    config: PruningConfigInput,
    readonly modules: Modules,
    options: PruningOptions = {},
  ) {
    checkModules(modules);
    const warn = (message: string) => {
      this.warnings.push(message);
      (options.warn ?? ((m: string) => process.emitWarning(m, 'PrunekitWarning')))(message);
    };
    const configs = resolvePruningConfig(config, warn);
    const names = Object.keys(modules);
    const owner = new Map<string, number>();
    configs.forEach((pc, index) => {
      const where = configs.length === 1 ? 'config' : `pruning_configs[${index}]`;
      checkOpNames(pc, names, where);
      // A live view of the user's record: an entry replaced between steps is what the next hook reads.
      const selected: Modules = Object.create(null);
      for (const name of names) {
        const entry = modules[name];
        if (!selects(pc, name)) continue;
        if (owner.has(name))
          throw new ConfigError(
            `module "${name}" is selected by pruning_configs[${owner.get(name)}] and pruning_configs[${index}]: give each module to one pruner`,
          );
        owner.set(name, index);
        const reason = moduleSkipReason(pc.parsedPattern, name, entry.shape, layoutOf(name, entry));
        if (reason !== null) {
          this.skipped[name] = reason;
          warn(`skipping ${reason}`);
          continue;
        }
        Object.defineProperty(selected, name, { get: () => modules[name], enumerable: true });
        this.planned.set(name, {
          entry,
          shape: JSON.stringify(entry.shape),
          layout: entry.layout,
          length: entry.weight.length,
        });
      }
      const Kind = pc.pruning_type === 'pattern_lock' ? PatternLockPruner : BasicPruner;
      this.pruners.push(new Kind(pc, selected, options.maskGrads ?? false));
    });
    configs.forEach((pc, index) => checkFirstStep(pc, configs.length === 1 ? 'config' : `pruning_configs[${index}]`));
  }

  /** Keep masks (1 kept, 0 pruned, weight layout) of every pruned module. */
  get masks(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = Object.create(null);
    for (const p of this.pruners) for (const name of Object.keys(p.masks)) out[name] = p.masks[name];
    return out;
  }

  /** Completed training steps. */
  get step(): number {
    return this.pruners[0]?.globalStep ?? 0;
  }

  onTrainBegin(): void {
    this.expect(['idle'], 'onTrainBegin');
    if (this.trained) throw new StateError(`Pruning.onTrainBegin: training already began`);
    this.checkPlanned('onTrainBegin');
    this.trained = true;
    for (const p of this.pruners) p.onTrainBegin();
  }

  onTrainEnd(): void {
    this.expect(['idle'], 'onTrainEnd');
  }

  onEpochBegin(): void {
    this.expect(['idle'], 'onEpochBegin');
  }

  onEpochEnd(): void {
    this.expect(['idle'], 'onEpochEnd');
  }

  /** Updates the masks on a pruning step and applies them; says whether they changed and to which ratio. */
  onStepBegin(): StepBeginResult {
    this.expect(['idle'], 'onStepBegin');
    this.checkPlanned('onStepBegin');
    const pruners = this.pruners.map((p) => p.onStepBegin());
    this.phase = 'begun';
    return { masksChanged: pruners.some((r) => r.masksChanged), pruners };
  }

  /** onStepBegin with the criteria's scoring on worker threads: the event loop stays free meanwhile. */
  async onStepBeginAsync(): Promise<StepBeginResult> {
    this.expect(['idle'], 'onStepBeginAsync');
    this.checkPlanned('onStepBeginAsync');
    const pruners: StepBeginResult['pruners'] = [];
    await this.runAsync('onStepBeginAsync', async () => {
      for (const p of this.pruners) pruners.push(await p.onStepBeginAsync());
    });
    this.phase = 'begun';
    return { masksChanged: pruners.some((r) => r.masksChanged), pruners };
  }

  onBeforeOptimizerStep(): void {
    this.expect(['begun'], 'onBeforeOptimizerStep');
    this.checkPlanned('onBeforeOptimizerStep');
    this.checkGrads();
    for (const p of this.pruners) p.onBeforeOptimizerStep();
    this.phase = 'before';
  }

  /** onBeforeOptimizerStep with the criteria's scoring on worker threads. */
  async onBeforeOptimizerStepAsync(): Promise<void> {
    this.expect(['begun'], 'onBeforeOptimizerStepAsync');
    this.checkPlanned('onBeforeOptimizerStepAsync');
    this.checkGrads();
    await this.runAsync('onBeforeOptimizerStepAsync', async () => {
      for (const p of this.pruners) await p.onBeforeOptimizerStepAsync();
    });
    this.phase = 'before';
  }

  onAfterOptimizerStep(): void {
    this.expect(['begun', 'before'], 'onAfterOptimizerStep');
    this.checkPlanned('onAfterOptimizerStep');
    for (const p of this.pruners) p.onAfterOptimizerStep();
    this.phase = 'after';
  }

  /**
   * onAfterOptimizerStep with the masks applied on a worker thread: the pruned weights of every pruner's layers
   * zeroed in one native call (the regulariser's shrink, when configured, still runs here first).
   */
  async onAfterOptimizerStepAsync(): Promise<void> {
    this.expect(['begun', 'before'], 'onAfterOptimizerStepAsync');
    this.checkPlanned('onAfterOptimizerStepAsync');
    await this.runAsync('onAfterOptimizerStepAsync', async () => {
      await applyMasksAsync(this.pruners.flatMap((p) => p.beginAfterStep()));
      for (const p of this.pruners) p.endAfterStep();
    });
    this.phase = 'after';
  }

  onStepEnd(): void {
    this.expect(['after'], 'onStepEnd');
    this.phase = 'idle';
  }

  /** The sparsity of the current masks, per pruned layer and over them, and totals over every module handed in. */
  sparsity(): PruningSparsity {
    const report = sparsityReport(this.pruners.flatMap((p) => p.maskedLayers()));
    let elements = 0;
    const names = Object.keys(this.modules);
    for (const name of names) elements += this.modules[name]?.weight?.length ?? 0;
    return {
      ...report,
      model: {
        modules: names.length,
        elements,
        pruned: report.pruned,
        elementSparsity: elements ? report.pruned / elements : 0,
      },
    };
  }

  /** Runs an async hook; no other hook may run until it settles. */
  private async runAsync(hook: string, run: () => Promise<void>): Promise<void> {
    this.inFlight = hook;
    try {
      await run();
    } finally {
      this.inFlight = null;
    }
  }

  private expect(phases: Phase[], hook: string): void {
    if (this.inFlight !== null)
      throw new StateError(`Pruning.${hook}: Pruning.${this.inFlight}() is still in flight; await it first`);
    if (phases.includes(this.phase)) return;
    const where = {
      idle: 'between steps',
      begun: 'after onStepBegin',
      before: 'after onBeforeOptimizerStep',
      after: 'after onAfterOptimizerStep (call onStepEnd first)',
    }[this.phase];
    throw new StateError(`Pruning.${hook}: called ${where}; the hooks of a step run in this order: ${ORDER}`);
  }

  /**
   * The modules the plan was built for must still be what the record holds: an entry may be replaced (the
   * next hook reads the new one), but its shape, layout and size must stay.
   */
  private checkPlanned(hook: string): void {
    for (const [name, plan] of this.planned) {
      const entry = this.modules[name];
      if (entry === plan.entry) continue;
      if (typeof entry !== 'object' || entry === null || !isFloat32Array(entry.weight))
        throw new StateError(
          `Pruning.${hook}: module "${name}" is no longer a { weight: Float32Array, ... } entry of the modules record (got ${entry === null ? 'null' : typeof entry}); put it back, or build a new Pruning for a new model`,
        );
      const shape = JSON.stringify(entry.shape);
      if (shape !== plan.shape || entry.layout !== plan.layout || entry.weight.length !== plan.length)
        throw new ShapeError(
          `Pruning.${hook}: module "${name}" changed from shape ${plan.shape}${plan.layout ? ` (layout "${plan.layout}")` : ''} with ${plan.length} weights to shape ${shape ?? 'none'}${entry.layout ? ` (layout "${entry.layout}")` : ''} with ${entry.weight.length}; masks are planned for the shape at construction: keep it (reshape views outside prunekit), or build a new Pruning`,
        );
      plan.entry = entry; // replaced with the same geometry: picked up
    }
  }

  /** Every grad a pruner reads this step must be there before anything is written. */
  private checkGrads(): void {
    for (const p of this.pruners) {
      if (!p.readsGradientsThisStep) continue;
      for (const [name, { grad, weight }] of Object.entries(p.modules))
        if (!isFloat32Array(grad) || grad.length !== weight.length)
          throw new ShapeError(
            `Pruning.onBeforeOptimizerStep: module "${name}" needs a Float32Array grad of ${weight.length} elements (pruning_type "${p.config.pruning_type}"${p.config.reg_type ? `, reg_type "${p.config.reg_type}"` : ''}), got ${grad === undefined || grad === null ? 'none' : `${grad.constructor.name}(${grad.length})`}`,
          );
    }
  }
}
