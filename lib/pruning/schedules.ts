/**
 * Sparsity schedules (`sparsity_decay_type`) and the pruning-step arithmetic (SPEC.md section 2,
 * "Schedules").
 *
 * Reproduces the reference (Intel Neural Compressor, `compression/pruner/schedulers.py` for the ratio,
 * `compression/pruner/pruners/base.py` and `pruners/basic.py` for the steps):
 *   - `T = (end_step - start_step + pruning_frequency) // pruning_frequency - 1`, i.e.
 *     `(end_step - start_step) // pruning_frequency`; when that is 0, `T = 1` and the prune counter starts
 *     at 1 instead of 0;
 *   - a step is a pruning step when `start_step <= step <= end_step` and
 *     `(step - start_step) % pruning_frequency == 0`; the counter `t` passed to the schedule is the number of
 *     pruning steps already done, so the step `start_step + i * pruning_frequency` uses `t = i` (`t = 0` at
 *     `start_step` gives `S0`, i.e. nothing new is pruned there; the target is reached at `i = T`);
 *   - one-shot (`start_step == end_step`, the reference's `OneshotScheduler`): one pruning step, at
 *     `start_step`, with the target ratio itself (not capped by `max_sparsity_ratio_per_op`);
 *     `0 < end_step - start_step < pruning_frequency` is iterative with `T = 1`: one pruning step at
 *     `start_step` with `t = 1`, i.e. `S`;
 *   - iterative ratio, with `S = min(target, max_sparsity_ratio_per_op)` and `S0` the initial sparsity:
 *       exp    `1 - (1 - S0) * r^t` with `r = ((1 - S) / (1 - S0))^(1/T)` (the reference computes the per-step
 *              factor first; this is `1 - (1-S0) * ((1-S)/(1-S0))^(t/T)` up to rounding),
 *       cos    `(S - S0) * (1 - cos(t / T * (pi / 2))) + S0`,
 *       linear `(S - S0) * t / T + S0`,
 *       cube   `(S - S0) * (t / T)^3 + S0`,
 *     then `min(target, value)`.
 * The reference also skips a pruning step when the current sparsity already exceeds the target; that
 * depends on the masks and is the pruner's business, not the schedule's.
 */

import { ConfigError } from '../errors';
import { correctlyRoundedPow } from './pow';
import { DEFAULTS, parseRatio } from './options';

/** The `sparsity_decay_type` names. */
export type SparsityDecayType = 'exp' | 'cos' | 'linear' | 'cube';

/** The accepted `sparsity_decay_type` names, default first. */
export const SPARSITY_DECAY_TYPES: readonly SparsityDecayType[] = Object.freeze([
  'exp',
  'cos',
  'linear',
  'cube',
] as SparsityDecayType[]);

/**
 * Check a `sparsity_decay_type` name.
 *
 * @param name the name to check; `undefined` gives the default `"exp"`.
 * @returns the name, typed.
 * @throws Error naming the value and listing the accepted names.
 */
export function parseDecayType(name: unknown): SparsityDecayType {
  if (name === undefined) return DEFAULTS.sparsity_decay_type;
  if (typeof name === 'string' && (SPARSITY_DECAY_TYPES as readonly string[]).includes(name))
    return name as SparsityDecayType;
  throw new ConfigError(
    `unknown sparsity_decay_type ${JSON.stringify(name)}: accepted names are ${SPARSITY_DECAY_TYPES.map((n) => `"${n}"`).join(', ')}`,
  );
}

/**
 * The sparsity ratio the model should reach after pruning step `t` of `T` of an iterative schedule (the
 * reference's `IterativeScheduler.update_sparsity_ratio`, same operation order).
 *
 * @param decay the decay type.
 * @param targetRatio the final target sparsity, in [0, 1].
 * @param t the number of pruning steps already done (0..T).
 * @param T the total number of pruning steps, a positive integer.
 * @param initRatio the initial sparsity S0, in [0, 1) (default 0).
 * @param maxRatioPerOp `max_sparsity_ratio_per_op`, in [0, 1] (default from `PRUNING_DEFAULTS`): the schedule aims at
 *   `min(targetRatio, maxRatioPerOp)`.
 * @returns the ratio, never above `targetRatio`.
 * @throws Error for an unknown decay type; RangeError for a ratio out of range, `t` or `T` not integers,
 *   `T < 1`, `t < 0`, or `initRatio == 1`.
 */
export function scheduledSparsity(
  decay: SparsityDecayType,
  targetRatio: number,
  t: number,
  T: number,
  initRatio = 0,
  maxRatioPerOp: number = DEFAULTS.max_sparsity_ratio_per_op,
): number {
  const kind = parseDecayType(decay);
  parseRatio(targetRatio, 'target_sparsity');
  parseRatio(initRatio, 'initial sparsity');
  parseRatio(maxRatioPerOp, 'max_sparsity_ratio_per_op');
  if (initRatio === 1) throw new ConfigError('initial sparsity must be below 1');
  if (!Number.isSafeInteger(T) || T < 1)
    throw new ConfigError(`total prune steps must be a positive integer, got ${T}`);
  if (!Number.isSafeInteger(t) || t < 0)
    throw new ConfigError(`current prune step must be a non-negative integer, got ${t}`);
  const S = Math.min(maxRatioPerOp, targetRatio);
  const S0 = initRatio;
  let value: number;
  switch (kind) {
    case 'cos':
      value = (S - S0) * (1.0 - Math.cos((t / T) * (Math.PI / 2))) + S0;
      break;
    case 'exp': {
      // CPython's `**` is the C library's pow, correctly rounded; V8's `**` is not (see pow.ts).
      const perStep = correctlyRoundedPow((1.0 - S) / (1.0 - S0), 1 / T);
      value = 1.0 - (1.0 - S0) * correctlyRoundedPow(perStep, t);
      break;
    }
    case 'linear':
      value = ((S - S0) * t) / T + S0;
      break;
    case 'cube':
      value = (S - S0) * (t / T) ** 3 + S0;
      break;
  }
  return Math.min(targetRatio, value);
}

/** The schedule settings of a pruning config (snake_case keys, as in the reference's JSON configs). */
export interface ScheduleConfig {
  /** First pruning step (default 0). */
  start_step?: number;
  /** Last pruning step (default 0); equal to `start_step` means one-shot. */
  end_step?: number;
  /** Steps between two pruning steps (default 1). */
  pruning_frequency?: number;
  /** Final sparsity (default `PRUNING_DEFAULTS.target_sparsity`). */
  target_sparsity?: number;
  /** Decay type (default `"exp"`). */
  sparsity_decay_type?: string;
  /** Per-layer cap, also caps the iterative schedule's aim (default `PRUNING_DEFAULTS.max_sparsity_ratio_per_op`). */
  max_sparsity_ratio_per_op?: number;
}

/** One pruning step of a schedule. */
export interface PruningStep {
  /** The global step at which masks are updated. */
  readonly step: number;
  /** The prune counter `t` handed to the schedule at this step. */
  readonly pruneIndex: number;
  /** The sparsity ratio targeted at this step. */
  readonly ratio: number;
}

function stepSetting(
  config: ScheduleConfig,
  key: 'start_step' | 'end_step' | 'pruning_frequency',
  min: number,
): number {
  const v = config[key] ?? DEFAULTS[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    const want = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new ConfigError(`${key} must be ${want}, got ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  }
  return v;
}

/**
 * A validated pruning schedule: which steps prune, and to which ratio.
 */
export class PruningSchedule {
  /** First pruning step. */
  readonly startStep: number;
  /** Last step at which pruning may happen. */
  readonly endStep: number;
  /** Steps between two pruning steps. */
  readonly frequency: number;
  /** Final target sparsity. */
  readonly targetSparsity: number;
  /** Decay type. */
  readonly decay: SparsityDecayType;
  /** `max_sparsity_ratio_per_op`. */
  readonly maxRatioPerOp: number;
  /** True when `start_step == end_step` (the reference's one-shot scheduler). */
  readonly oneShot: boolean;
  /** T: the total prune steps of the schedule (at least 1). */
  readonly totalPruneSteps: number;
  /** The prune counter at `start_step` (0, or 1 when `end_step - start_step < pruning_frequency`). */
  readonly firstPruneIndex: number;

  /**
   * @param config the schedule settings; missing keys take the reference's defaults.
   * @throws RangeError for negative or non-integer steps, `end_step < start_step`, a frequency below 1 or a
   *   ratio out of range; Error for an unknown `sparsity_decay_type`.
   */
  constructor(config: ScheduleConfig = {}) {
    this.startStep = stepSetting(config, 'start_step', 0);
    this.endStep = stepSetting(config, 'end_step', 0);
    this.frequency = stepSetting(config, 'pruning_frequency', 1);
    if (this.endStep < this.startStep) {
      throw new ConfigError(`end_step (${this.endStep}) must not be before start_step (${this.startStep})`);
    }
    this.targetSparsity = parseRatio(config.target_sparsity ?? DEFAULTS.target_sparsity, 'target_sparsity');
    this.maxRatioPerOp = parseRatio(
      config.max_sparsity_ratio_per_op ?? DEFAULTS.max_sparsity_ratio_per_op,
      'max_sparsity_ratio_per_op',
    );
    this.decay = parseDecayType(config.sparsity_decay_type);
    this.oneShot = this.startStep === this.endStep;
    const T = Math.floor((this.endStep - this.startStep) / this.frequency);
    this.totalPruneSteps = Math.max(1, T);
    this.firstPruneIndex = T === 0 ? 1 : 0;
  }

  /**
   * Whether masks are updated at this global step.
   *
   * @param step a global step (non-negative integer).
   * @returns true for `start_step + i * pruning_frequency <= end_step`.
   */
  isPruningStep(step: number): boolean {
    if (!Number.isSafeInteger(step) || step < this.startStep || step > this.endStep) return false;
    return (step - this.startStep) % this.frequency === 0;
  }

  /**
   * The prune counter `t` used at a pruning step.
   *
   * @param step a global step.
   * @returns `t`, or `undefined` if `step` is not a pruning step.
   */
  pruneIndexAt(step: number): number | undefined {
    if (!this.isPruningStep(step)) return undefined;
    return this.firstPruneIndex + (step - this.startStep) / this.frequency;
  }

  /**
   * The sparsity ratio to reach at a step.
   *
   * @param step a global step.
   * @param initRatio the initial sparsity S0 (default 0).
   * @returns the ratio, or `undefined` if `step` is not a pruning step.
   */
  ratioAt(step: number, initRatio = 0): number | undefined {
    const t = this.pruneIndexAt(step);
    if (t === undefined) return undefined;
    if (this.oneShot) return this.targetSparsity;
    return scheduledSparsity(this.decay, this.targetSparsity, t, this.totalPruneSteps, initRatio, this.maxRatioPerOp);
  }

  /**
   * Every pruning step with its counter and ratio, in order.
   *
   * @param initRatio the initial sparsity S0 (default 0).
   * @returns the steps `start_step + i * pruning_frequency` up to `end_step`.
   */
  steps(initRatio = 0): PruningStep[] {
    const out: PruningStep[] = [];
    for (let step = this.startStep; step <= this.endStep; step += this.frequency) {
      out.push({ step, pruneIndex: this.pruneIndexAt(step) as number, ratio: this.ratioAt(step, initRatio) as number });
    }
    return out;
  }
}
