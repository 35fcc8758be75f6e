/**
 * One pruner: the modules one entry of the config selects, their masks, and what each hook does to them
 * (SPEC 2 hook order). `BasicPruner` prunes by a criterion on a schedule; `PatternLockPruner` keeps the
 * zeros the weights already have.
 */
import { getCriterion, SnipMomentumCriterion, type Modules, type PruningCriterion } from '../criteria';
import type { PrunerConfig } from './config';
import { GroupLasso } from './group-lasso';
import { applyMasks } from './masks';
import { planLayer, type LayerPlan } from './layer-plan';
import {
  applyMasksAsync,
  runStep,
  runStepAsync,
  type MaskedWeight,
  type StepOutcome,
  type StepSpec,
} from './native-step';
import { resolveBlockSize, toViewOrder, fromViewOrder, viewOf } from './patterns';
import { PruningSchedule } from './schedules';
import { sparsityReport, type MaskedLayer, type SparsityReport } from './sparsity';

export abstract class Pruner {
  /** Keep masks (1 kept, 0 pruned) per prunable module, in the weight's layout; all ones at first. */
  readonly masks: Record<string, Uint8Array> = Object.create(null);
  readonly schedule: PruningSchedule;
  /** Steps completed (the reference's global_step). */
  globalStep = 0;
  /** Sparsity of the masks (block-wise) after the latest update. */
  currentSparsity = 0;
  /** Sparsity the masks had at start_step (lock_init_sparsity), the schedule's S0. */
  initSparsity = 0;
  protected readonly layers: string[];
  /** The criterion whose scores pick the masks (none for pattern_lock). */
  protected criterion: PruningCriterion | null = null;
  private readonly reg: GroupLasso | null;
  private handledStep = -1;
  /** The ratio of the latest pruning step's update and whether it changed the masks. */
  protected lastUpdate: { masksChanged: boolean; target: number | null } = { masksChanged: false, target: null };
  /** Zero units of the current masks, from the latest update (null: count them from the masks). */
  protected zeroUnits: Record<string, number> | null = null;

  /**
   * @param modules the prunable modules this pruner selected (2-D or 4-D, divided by the pattern).
   */
  constructor(
    readonly config: PrunerConfig,
    readonly modules: Modules,
    private readonly maskGrads: boolean,
  ) {
    this.schedule = new PruningSchedule(config);
    this.layers = Object.keys(modules);
    for (const name of this.layers) this.masks[name] = new Uint8Array(modules[name].weight.length).fill(1);
    this.reg =
      config.reg_type === 'group_lasso' && config.parsedPattern.kind === 'block'
        ? new GroupLasso(modules, this.layers, config.parsedPattern, config.reg_coeff)
        : null;
  }

  onTrainBegin(): void {}

  /** Scores and updates the masks on a pruning step; says whether they changed and to which ratio. */
  onStepBegin(): { masksChanged: boolean; target: number | null } {
    if (!this.beginStep()) return { masksChanged: false, target: null };
    this.criterion?.onStepBegin();
    this.updateMasks();
    return this.lastUpdate;
  }

  /** onStepBegin with the criterion's scoring on a worker thread (the masks are computed here after it). */
  async onStepBeginAsync(): Promise<{ masksChanged: boolean; target: number | null }> {
    if (!this.beginStep()) return { masksChanged: false, target: null };
    await this.criterion?.onStepBeginAsync();
    await this.updateMasksAsync();
    return this.lastUpdate;
  }

  onBeforeOptimizerStep(): void {
    if (this.inRange()) this.reg?.onBeforeOptimizerStep();
    if (this.scoresThisStep()) this.criterion?.onBeforeOptimizerStep();
    if (this.maskGrads) this.applyGradMasks();
  }

  /** onBeforeOptimizerStep with the criterion's scoring on a worker thread. */
  async onBeforeOptimizerStepAsync(): Promise<void> {
    if (this.inRange()) this.reg?.onBeforeOptimizerStep();
    if (this.scoresThisStep()) await this.criterion?.onBeforeOptimizerStepAsync();
    if (this.maskGrads) this.applyGradMasks();
  }

  onAfterOptimizerStep(): void {
    for (const { weight, keep } of this.beginAfterStep()) applyMasks(weight, keep);
    this.endAfterStep();
  }

  /** onAfterOptimizerStep with the masks applied on a worker thread, all layers in one native call. */
  async onAfterOptimizerStepAsync(): Promise<void> {
    await applyMasksAsync(this.beginAfterStep());
    this.endAfterStep();
  }

  /**
   * The after-step hook up to the masks: the regulariser's shrink (on this thread), then the weights to zero
   * where the masks prune. The caller applies them and then counts the step (`endAfterStep`).
   */
  beginAfterStep(): MaskedWeight[] {
    if (this.inRange()) this.reg?.onAfterOptimizerStep();
    return this.layers.map((name) => ({ weight: this.modules[name].weight, keep: this.masks[name] }));
  }

  /** Counts the step the after-step hook finished. */
  endAfterStep(): void {
    this.globalStep += 1;
  }

  /** Whether onBeforeOptimizerStep reads the grads: the regulariser does, and the gradient criteria. */
  get readsGradients(): boolean {
    return this.reg !== null || (this.criterion?.readsGradients ?? false);
  }

  /** Whether this step's onBeforeOptimizerStep reads the grads (no criterion scores after end_step). */
  get readsGradientsThisStep(): boolean {
    if (this.reg !== null && this.inRange()) return true;
    return this.scoresThisStep() && (this.criterion?.readsGradients ?? false);
  }

  /** The sparsity report of this pruner's masks. */
  sparsity(): SparsityReport {
    return sparsityReport(this.maskedLayers());
  }

  /** Each layer with its mask and pattern: what a sparsity report reads. */
  maskedLayers(): MaskedLayer[] {
    return this.layers.map((name) => ({
      name,
      shape: this.modules[name].shape as number[],
      layout: this.modules[name].layout,
      keep: this.masks[name],
      pattern: this.config.parsedPattern,
    }));
  }

  /**
   * Decides, once per step, whether this step computes new masks (then the criterion's step-begin scoring
   * runs, and updateMasks after it).
   */
  protected abstract prepareUpdate(step: number): boolean;

  /** New masks from the criterion's scores, applied to the weights. */
  protected updateMasks(): void {}

  /** updateMasks with the mask update on a worker thread. */
  protected async updateMasksAsync(): Promise<void> {}

  /** Whether the criterion scores in onBeforeOptimizerStep this step (its scores are used up to end_step). */
  protected scoresThisStep(): boolean {
    return this.globalStep <= this.config.end_step;
  }

  private beginStep(): boolean {
    if (this.handledStep === this.globalStep) return false;
    this.handledStep = this.globalStep;
    return this.prepareUpdate(this.globalStep);
  }

  protected inRange(): boolean {
    return this.globalStep >= this.config.start_step && this.globalStep <= this.config.end_step;
  }

  /** Zeroes the pruned grads in place. */
  private applyGradMasks(): void {
    for (const name of this.layers) {
      const { grad } = this.modules[name];
      if (grad) applyMasks(grad, this.masks[name]);
    }
  }

  /** Masks that keep what the weights hold now: a block is kept if any of its weights is non-zero. */
  protected lockMasks(): void {
    const pattern = this.config.parsedPattern;
    for (const name of this.layers) {
      const { weight, shape, layout } = this.modules[name];
      const dims = shape as number[];
      const view = viewOf(dims, layout);
      if (!view.ok) continue;
      const { rows, cols, permuted } = view.view;
      const w = permuted ? toViewOrder(weight, dims, layout) : weight;
      const keep = new Uint8Array(w.length);
      const [bn, bm] = pattern.kind === 'block' ? resolveBlockSize(pattern, rows, cols) : [1, 1];
      for (let br = 0; br < rows; br += bn)
        for (let bc = 0; bc < cols; bc += bm) {
          let any = 0;
          for (let r = br; r < br + bn; r++) for (let c = bc; c < bc + bm; c++) any |= w[r * cols + c] !== 0 ? 1 : 0;
          if (any) for (let r = br; r < br + bn; r++) keep.fill(1, r * cols + bc, r * cols + bc + bm);
        }
      this.masks[name].set(permuted ? fromViewOrder(keep, dims, layout) : keep);
    }
    this.currentSparsity = this.initSparsity = this.sparsity().blockSparsity;
    this.zeroUnits = null;
  }
}

/** Prunes by a criterion's scores, to the schedule's ratio, on each pruning step (the reference's basic pruner). */
export class BasicPruner extends Pruner {
  /** Each layer's plan (view, unit, index map, scratch), built once. */
  private readonly plans: LayerPlan[];
  /** Per layer, the unit scores the criterion keeps (snip_momentum on blocks), or null: element scores. */
  private readonly keptUnits: (Float32Array | null)[];

  constructor(config: PrunerConfig, modules: Modules, maskGrads: boolean) {
    super(config, modules, maskGrads);
    const { pruning_type, alpha, beta, on_non_finite } = config;
    this.plans = this.layers.map((name) => {
      const { shape, layout } = modules[name];
      const { plan, skip } = planLayer(name, shape as number[], layout, config.parsedPattern);
      if (plan === null) throw new Error(`internal: module "${name}" reached a pruner but cannot be pruned: ${skip}`);
      return plan;
    });
    const criterionConfig = { criterion_type: pruning_type, alpha, beta, on_non_finite };
    // INC keeps snip_momentum's momentum on the block-reduced scores (criteria.py, nxm.py reduce_score; its N:M
    // pattern has no reduce_score, so there it stays per weight, as for 1x1 where both are the same numbers).
    if (pruning_type === 'snip_momentum' && config.parsedPattern.kind === 'block' && this.plans.some(isBlock)) {
      const layers = this.plans.map(({ rows, cols, bn, bm, viewMap, unitScores, units }) => ({
        rows,
        cols,
        bn,
        bm,
        viewMap,
        // The step reads the momentum in place of the scratch it would have reduced into.
        units: unitScores ?? new Float32Array(units),
      }));
      this.criterion = new SnipMomentumCriterion(modules, criterionConfig, {
        layers,
        reduce: config.criterion_reduce_type,
      });
      this.keptUnits = layers.map(({ units }) => units);
    } else {
      this.criterion = getCriterion(criterionConfig, modules);
      this.keptUnits = this.plans.map(() => null);
    }
  }

  /** The ratio of the step being updated (set by prepareUpdate: the async hook computes it before scoring). */
  private stepRatio = 0;

  protected prepareUpdate(step: number): boolean {
    if (step === this.config.start_step && this.config.lock_init_sparsity) this.lockMasks();
    if (!(this.schedule.isPruningStep(step) && this.currentSparsity <= this.config.target_sparsity)) return false;
    this.stepRatio = this.schedule.ratioAt(step, this.initSparsity) as number;
    return true;
  }

  protected override updateMasks(): void {
    const [layers, spec] = this.stepInput();
    this.finishUpdate(runStep(layers, spec), spec.ratio);
  }

  protected override async updateMasksAsync(): Promise<void> {
    const [layers, spec] = this.stepInput();
    this.finishUpdate(await runStepAsync(layers, spec), spec.ratio);
  }

  /** This step's layers (new scores, the live weights and masks) and what to select. */
  private stepInput(): [Parameters<typeof runStep>[0], StepSpec] {
    const criterion = this.criterion as PruningCriterion;
    const c = this.config;
    const ratio = this.stepRatio;
    const layers = this.layers.map((name, j) => ({
      plan: this.plans[j],
      scores: this.keptUnits[j] === null ? criterion.scores[name] : null,
      units: this.keptUnits[j] ?? undefined,
      weight: this.modules[name].weight,
      keep: this.masks[name],
      previousZeros: this.zeroUnits?.[name],
    }));
    const spec: StepSpec = {
      pattern: c.parsedPattern,
      reduce: c.criterion_reduce_type,
      exact: c.tie_mode === 'exact',
      global: c.pruning_scope === 'global',
      ratio,
      maxRatio: c.max_sparsity_ratio_per_op,
      minRatio: c.min_sparsity_ratio_per_op,
      targetRatio: c.target_sparsity,
    };
    return [layers, spec];
  }

  private finishUpdate(step: StepOutcome, ratio: number): void {
    const zeroUnits: Record<string, number> = Object.create(null);
    // INC's stop gate reads zero units / units over the pruner's layers, unweighted (N:M: times N/M).
    let zeros = 0,
      total = 0;
    this.layers.forEach((name, j) => {
      zeroUnits[name] = step.zeroUnits[j];
      zeros += step.zeroUnits[j];
      total += this.plans[j].units;
    });
    this.zeroUnits = zeroUnits;
    const pattern = this.config.parsedPattern;
    const share = pattern.kind === 'n:m' ? pattern.n / pattern.m : 1;
    this.currentSparsity = total === 0 ? 0 : (zeros / total) * share;
    this.lastUpdate = { masksChanged: step.changed.some(Boolean), target: ratio };
  }
}

/** Whether a layer's unit is a block of more than one weight. */
function isBlock(plan: LayerPlan): boolean {
  return plan.bn * plan.bm > 1;
}

/** Keeps the sparsity the weights have when training begins: pruned weights stay zero (`pattern_lock`). */
export class PatternLockPruner extends Pruner {
  private locked = false;

  override onTrainBegin(): void {
    this.lock();
  }

  protected prepareUpdate(): boolean {
    if (!this.locked) this.lock(); // onTrainBegin was not called: lock at the first step
    return false;
  }

  private lock(): void {
    this.lockMasks();
    this.locked = true;
  }
}
