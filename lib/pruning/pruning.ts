/**
 * The Pruning driver: builds one pruner per entry of a reference-layout config over the modules record and
 * runs the training-loop hooks in order (SPEC 2):
 *   onStepBegin (update masks on a pruning step, apply them) -> forward, backward ->
 *   onBeforeOptimizerStep (regulariser, then criterion) -> optimizer step ->
 *   onAfterOptimizerStep (regulariser, re-apply masks, step + 1) -> onStepEnd.
 * onStepBeginAsync and onBeforeOptimizerStepAsync run the criteria's scoring on worker threads.
 */
import { checkModules } from '../criteria/validate';
import type { Modules } from '../criteria';
import { resolvePruningConfig, type PruningConfigInput, type PrunerConfig } from './config';
import { layoutOf, moduleSkipReason } from './patterns';
import { BasicPruner, PatternLockPruner, type Pruner } from './pruner';
import { sparsityReport, type SparsityReport } from './sparsity';

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
  readonly skipped: Record<string, string> = {};
  readonly warnings: string[] = [];
  private phase: Phase = 'idle';
  private trained = false;
  private inFlight: string | null = null;

  constructor(config: PruningConfigInput, readonly modules: Modules, options: PruningOptions = {}) {
    checkModules(modules);
    const warn = (message: string) => {
      this.warnings.push(message);
      (options.warn ?? ((m: string) => process.emitWarning(m, 'PrunekitWarning')))(message);
    };
    const configs = resolvePruningConfig(config, warn);
    const owner: Record<string, number> = {};
    configs.forEach((pc, index) => {
      const selected: Modules = {};
      for (const [name, entry] of Object.entries(modules)) {
        if (!selects(pc, name)) continue;
        if (owner[name] !== undefined)
          throw new Error(`module "${name}" is selected by pruning_configs[${owner[name]}] and pruning_configs[${index}]: give each module to one pruner`);
        owner[name] = index;
        const reason = moduleSkipReason(pc.parsedPattern, name, entry.shape, layoutOf(name, entry));
        if (reason !== null) {
          this.skipped[name] = reason;
          warn(`skipping ${reason}`);
          continue;
        }
        selected[name] = entry;
      }
      const Kind = pc.pruning_type === 'pattern_lock' ? PatternLockPruner : BasicPruner;
      this.pruners.push(new Kind(pc, selected, options.maskGrads ?? false));
    });
  }

  /** Keep masks (1 kept, 0 pruned, weight layout) of every pruned module. */
  get masks(): Record<string, Uint8Array> {
    return Object.assign({}, ...this.pruners.map((p) => p.masks));
  }

  /** Completed training steps. */
  get step(): number {
    return this.pruners[0]?.globalStep ?? 0;
  }

  onTrainBegin(): void {
    this.expect(['idle'], 'onTrainBegin');
    if (this.trained) throw new Error(`Pruning.onTrainBegin: training already began`);
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

  onStepBegin(): void {
    this.expect(['idle'], 'onStepBegin');
    for (const p of this.pruners) p.onStepBegin();
    this.phase = 'begun';
  }

  /** onStepBegin with the criteria's scoring on worker threads: the event loop stays free meanwhile. */
  async onStepBeginAsync(): Promise<void> {
    this.expect(['idle'], 'onStepBeginAsync');
    await this.runAsync('onStepBeginAsync', (p) => p.onStepBeginAsync());
    this.phase = 'begun';
  }

  onBeforeOptimizerStep(): void {
    this.expect(['begun'], 'onBeforeOptimizerStep');
    this.checkGrads();
    for (const p of this.pruners) p.onBeforeOptimizerStep();
    this.phase = 'before';
  }

  /** onBeforeOptimizerStep with the criteria's scoring on worker threads. */
  async onBeforeOptimizerStepAsync(): Promise<void> {
    this.expect(['begun'], 'onBeforeOptimizerStepAsync');
    this.checkGrads();
    await this.runAsync('onBeforeOptimizerStepAsync', (p) => p.onBeforeOptimizerStepAsync());
    this.phase = 'before';
  }

  onAfterOptimizerStep(): void {
    this.expect(['begun', 'before'], 'onAfterOptimizerStep');
    for (const p of this.pruners) p.onAfterOptimizerStep();
    this.phase = 'after';
  }

  onStepEnd(): void {
    this.expect(['after'], 'onStepEnd');
    this.phase = 'idle';
  }

  /** The sparsity of the current masks, per layer and overall. */
  sparsity(): SparsityReport {
    return sparsityReport(this.pruners.flatMap((p) => p.maskedLayers()));
  }

  /** Runs an async hook on every pruner in turn; no other hook may run until it settles. */
  private async runAsync(hook: string, run: (p: Pruner) => Promise<void>): Promise<void> {
    this.inFlight = hook;
    try {
      for (const p of this.pruners) await run(p);
    } finally {
      this.inFlight = null;
    }
  }

  private expect(phases: Phase[], hook: string): void {
    if (this.inFlight !== null)
      throw new Error(`Pruning.${hook}: Pruning.${this.inFlight}() is still in flight; await it first`);
    if (phases.includes(this.phase)) return;
    const where = { idle: 'between steps', begun: 'after onStepBegin', before: 'after onBeforeOptimizerStep', after: 'after onAfterOptimizerStep (call onStepEnd first)' }[this.phase];
    throw new Error(`Pruning.${hook}: called ${where}; the hooks of a step run in this order: ${ORDER}`);
  }

  /** Every grad a pruner reads must be there before anything is written. */
  private checkGrads(): void {
    for (const p of this.pruners) {
      if (!p.readsGradients) continue;
      for (const [name, { grad, weight }] of Object.entries(p.modules))
        if (!(grad instanceof Float32Array) || grad.length !== weight.length)
          throw new TypeError(`Pruning.onBeforeOptimizerStep: module "${name}" needs a Float32Array grad of ${weight.length} elements (pruning_type "${p.config.pruning_type}"${p.config.reg_type ? `, reg_type "${p.config.reg_type}"` : ''}), got ${grad === undefined || grad === null ? 'none' : `${grad.constructor.name}(${grad.length})`}`);
    }
  }
}
