/** The base class every criterion extends: the reference's `PruningCriterion`. */
import { markAsUntransferable } from 'node:worker_threads';
import type { CriterionConfig, CriterionHook, Modules, NonFinitePolicy } from './types';
import { newScoreArray } from './score-arrays';
import { checkCriterionConfig, checkModules } from './validate';

/**
 * A pruning criterion: owns one Float32Array of scores per module, allocated once here and updated in place
 * by the hooks it overrides. The three hooks do nothing unless a subclass overrides them.
 *
 * @example
 * class Random extends PruningCriterion {
 *   override onStepBegin() {
 *     for (const s of Object.values(this.scores)) for (let i = 0; i < s.length; i++) s[i] = Math.random();
 *   }
 * }
 * registerCriterion('random')(Random);
 *
 * A criterion whose hooks read `grad` says so with `static override readonly readsGradients = true`: the
 * pruners then check every grad is there before calling it.
 */
export class PruningCriterion {
  /**
   * Whether the hooks read each module's `grad` (the built-in gradient, snip and snip_momentum do). False
   * unless a subclass declares otherwise; read through the instance getter of the same name.
   */
  static readonly readsGradients: boolean = false;
  /** The hook that computes the scores, if the class says (the built-in criteria do). */
  static readonly scoringHook: CriterionHook | undefined = undefined;

  /** The modules record given at construction; read again at every hook call. */
  readonly modules: Modules;
  readonly config: CriterionConfig;
  /**
   * Module name -> scores: the same record and the same Float32Array objects for the criterion's life.
   * Their buffers are marked untransferable: posting one to a worker sends a copy. Large ones are backed by
   * native page mappings (lib/criteria/score-arrays.ts), freed when the array is collected.
   */
  readonly scores: Readonly<Record<string, Float32Array>>;
  /** `config.on_non_finite`, default `"skip"`. */
  readonly onNonFinite: NonFinitePolicy;
  /** Module name -> how many hook calls skipped it for non-finite terms (policy `"skip"`). */
  readonly nonFiniteSkips: Record<string, number> = {};
  /** The modules skipped by the latest hook call and their non-finite term counts; empty if none. */
  lastNonFinite: ReadonlyArray<{ module: string; count: number }> = [];

  /**
   * @param scoreArrays the score array of a module whose scores are not one per weight (snip_momentum's
   *   block momentum: one per block); every other module gets a Float32Array of its weight's length.
   */
  constructor(modules: Modules, config: CriterionConfig, scoreArrays?: Readonly<Record<string, Float32Array>>) {
    this.onNonFinite = checkCriterionConfig(config);
    checkModules(modules);
    this.modules = modules;
    this.config = config;
    const scores: Record<string, Float32Array> = {};
    for (const [name, { weight }] of Object.entries(modules)) {
      const given = scoreArrays !== undefined && Object.hasOwn(scoreArrays, name) ? scoreArrays[name] : undefined;
      const array = given ?? newScoreArray(weight.length);
      // Native work may be writing these while in flight: a transfer copies them instead of detaching.
      markAsUntransferable(array.buffer);
      // defineProperty, so a module named "__proto__" is an entry like any other.
      Object.defineProperty(scores, name, { value: array, enumerable: true });
    }
    this.scores = Object.freeze(scores);
  }

  /** This criterion's class's {@link PruningCriterion.readsGradients}. */
  get readsGradients(): boolean {
    return (this.constructor as typeof PruningCriterion).readsGradients;
  }

  /** Called before the forward pass (reference: `on_step_begin`). */
  onStepBegin(): void {}

  /** Called after backward, before the optimizer step (reference: `on_before_optimizer_step`). */
  onBeforeOptimizerStep(): void {}

  /** Called after the optimizer step (reference: `on_after_optimizer_step`). */
  onAfterOptimizerStep(): void {}

  /**
   * `onStepBegin` without blocking the event loop. The base class runs the synchronous hook; the built-in
   * criteria run their kernels on a worker thread.
   */
  async onStepBeginAsync(): Promise<void> {
    this.onStepBegin();
  }

  /** `onBeforeOptimizerStep` without blocking the event loop (see `onStepBeginAsync`). */
  async onBeforeOptimizerStepAsync(): Promise<void> {
    this.onBeforeOptimizerStep();
  }

  /** `onAfterOptimizerStep` without blocking the event loop (see `onStepBeginAsync`). */
  async onAfterOptimizerStepAsync(): Promise<void> {
    this.onAfterOptimizerStep();
  }
}
