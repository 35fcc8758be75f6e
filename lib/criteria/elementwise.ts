/**
 * The shared machinery of the built-in criteria: each hook call checks every module first, then scores
 * them all in one native call (split across threads when large), and applies the non-finite policy of
 * docs/spec.md section 1, "Non-finite gradients". The async form does the same on a worker thread.
 */
import type { ScoreBatchArgs, ScoreMode, ScoreOp } from '../../binding';
import { PruningCriterion } from './base';
import { kernels } from './kernels';
import type { CriterionConfig, Modules, NonFinitePolicy } from './types';
import { checkFloat32 } from './validate';
import { ArgumentError, NonFiniteError, StateError } from '../errors';
import { isFloat32Array } from '../typed-arrays';

const NONE: ReadonlyArray<{ module: string; count: number }> = Object.freeze([]);

const MODES: Record<NonFinitePolicy, ScoreMode> = { skip: 'guarded', error: 'all-or-nothing', propagate: 'compute' };

/**
 * The raw binding call an elementwise criterion makes: `op` over `input` as `w` (the weight, or for
 * `gradient` the grad), and the grad as `g` when `usesGrad`.
 */
export interface ElementwiseKernel {
  readonly op: ScoreOp;
  readonly input: 'weight' | 'grad';
  readonly usesGrad: boolean;
}

/** The per-criterion constants of a hook call, computed on the first call. */
export interface CallPlan {
  readonly readsGrad: boolean;
  readonly usesGrad: boolean;
  readonly inputIsWeight: boolean;
  readonly grads: Float32Array[] | null;
  readonly mode: ScoreMode;
}

/**
 * A criterion whose scores are one elementwise kernel over weight and/or grad. Each subclass declares, as
 * statics, the kernel (`kernel`), the hook that scores (`scoringHook`) and whether it reads grads
 * (`readsGradients`); the CLI and the benchmarks read those instead of keeping their own tables.
 */
export abstract class ElementwiseCriterion extends PruningCriterion {
  /** The binding call this class makes (a static of each subclass). */
  declare static readonly kernel: ElementwiseKernel;
  /** The kernel, from the class's static. */
  protected readonly op: ScoreOp;
  protected readonly input: 'weight' | 'grad';
  protected readonly usesGrad: boolean;

  /** The kernel's alpha and beta (momentum only). */
  protected kernelAlpha = 0;
  protected kernelBeta = 0;

  private readonly names: string[];
  // Argument lists reused by every call, so a step allocates nothing (filled by each call's checks).
  protected readonly inputs: Float32Array[];
  protected readonly grads: Float32Array[];
  private readonly scoreList: Float32Array[];
  /** Per module, its weight's length at construction (a score array may be shorter: one per block). */
  private readonly sizes: number[];
  /** Per module, the non-finite terms the latest call counted. */
  protected readonly counts: Float64Array;
  private busy: string | null = null;
  private plan: CallPlan | null = null;

  /** `scoreArrays`: see PruningCriterion. */
  constructor(modules: Modules, config: CriterionConfig, scoreArrays?: Readonly<Record<string, Float32Array>>) {
    super(modules, config, scoreArrays);
    ({
      op: this.op,
      input: this.input,
      usesGrad: this.usesGrad,
    } = (this.constructor as typeof ElementwiseCriterion).kernel);
    this.names = Object.keys(this.scores);
    this.scoreList = Object.values(this.scores);
    this.sizes = this.names.map((name) => modules[name].weight.length);
    this.inputs = new Array(this.names.length);
    this.grads = new Array(this.names.length);
    this.counts = new Float64Array(this.names.length);
  }

  /** Scores every module now; `hook` names the caller in errors. */
  protected score(hook: string): void {
    const plan = this.prepare(hook);
    try {
      this.finish(this.run(plan));
    } finally {
      this.release(plan);
    }
  }

  /**
   * The native call of a hook on this thread, once every module passed its checks (`inputs`, `grads` hold
   * this call's buffers); returns whether the scores were written. A subclass whose scores are not one per
   * weight overrides it and `runAsync`.
   */
  protected run(plan: CallPlan): boolean {
    return this.names.length === 1 ? this.scoreOne(plan) : this.callBatch(kernels().scoreBatch, plan);
  }

  /** `run` on a worker thread. */
  protected runAsync(plan: CallPlan): Promise<boolean> {
    return this.callBatch(kernels().scoreBatchAsync, plan);
  }

  /**
   * A criterion of one module calls the one-module binding: it has no arrays of modules to read, which is
   * most of a small call's cost (about 0.3 us of 0.6). Same kernels, same modes; for one module "all or
   * nothing" and "guarded" differ only in what they report. Returns whether the scores were written.
   */
  private scoreOne(plan: CallPlan): boolean {
    const input = this.inputs[0],
      scores = this.scoreList[0];
    let count: number;
    switch (this.op) {
      case 'abs':
        count = kernels().scoreAbs(input, scores, plan.mode);
        break;
      case 'abs-mul':
        count = kernels().scoreAbsMul(input, this.grads[0], scores, plan.mode);
        break;
      case 'momentum':
        count = kernels().scoreMomentum(input, this.grads[0], scores, this.kernelAlpha, this.kernelBeta, plan.mode);
        break;
    }
    this.counts[0] = count;
    return count === 0 || plan.mode !== 'all-or-nothing';
  }

  /** Scores every module on a worker thread; the event loop stays free. */
  protected async scoreAsync(hook: string): Promise<void> {
    const plan = this.prepare(hook);
    this.busy = hook;
    try {
      this.finish(await this.runAsync(plan));
    } catch (err) {
      throw this.explain(err, hook);
    } finally {
      this.busy = null;
      this.release(plan);
    }
  }

  /**
   * `call` (scoreBatch or scoreBatchAsync) with this step's argument lists. The binding's functions do not
   * read `this`, so they are passed unbound.
   */
  private callBatch<R>(call: (...args: ScoreBatchArgs) => R, plan: CallPlan): R {
    return call(
      this.op,
      this.inputs,
      plan.grads,
      this.scoreList,
      this.kernelAlpha,
      this.kernelBeta,
      plan.mode,
      this.counts,
    );
  }

  /** Checks every module and fills the argument lists; throws before anything is written. */
  private prepare(hook: string): CallPlan {
    if (this.busy !== null)
      throw new StateError(
        `${this.config.criterion_type}.${hook}: the ${this.busy}Async() call of this criterion is still in flight; await it first`,
      );
    const plan = this.plan ?? this.makePlan();
    const { names, sizes, inputs, grads, modules } = this;
    const { readsGrad, usesGrad, inputIsWeight } = plan;
    for (let i = 0; i < names.length; i++) {
      const entry = modules[names[i]];
      const expected = sizes[i];
      // The common case costs two checks per buffer; messages are only built for a bad module.
      const weight = entry?.weight;
      const grad = entry?.grad;
      const weightOk = isFloat32Array(weight) && weight.length === expected;
      const gradOk = !readsGrad || (isFloat32Array(grad) && grad.length === expected);
      if (!weightOk || !gradOk) this.reject(hook, names[i], expected);
      inputs[i] = inputIsWeight ? weight : (grad as Float32Array);
      if (usesGrad) grads[i] = grad as Float32Array;
    }
    return plan;
  }

  /** What every call of this criterion passes: fixed once the subclass's fields exist (the first call). */
  private makePlan(): CallPlan {
    this.plan = {
      readsGrad: this.readsGradients,
      usesGrad: this.usesGrad,
      inputIsWeight: this.input === 'weight',
      grads: this.usesGrad ? this.grads : null,
      mode: MODES[this.onNonFinite],
    };
    return this.plan;
  }

  /** Throws the error that says what is wrong with module `name`. */
  private reject(hook: string, name: string, expected: number): never {
    const kind = this.config.criterion_type;
    const entry = this.modules[name];
    const where = `${kind}.${hook}: module "${name}"`;
    if (typeof entry !== 'object' || entry === null)
      throw new ArgumentError(`${where} is missing from the modules record`);
    checkFloat32(entry.weight, `${where}: weight`, expected);
    if (entry.grad === undefined || entry.grad === null)
      throw new ArgumentError(`${where} has no grad: ${kind} reads gradients, run backward first`);
    checkFloat32(entry.grad, `${where}: grad`, expected);
    throw new Error(`internal: ${where} failed a check that found nothing wrong`);
  }

  /**
   * Applies the policy to the counts of a finished call. Indexed loops here and in `release`: an iterator or
   * a builtin call (`fill`) costs more than the whole loop on the one-module calls that dominate hook time.
   */
  private finish(written: boolean): void {
    let flagged: ReadonlyArray<{ module: string; count: number }> = NONE;
    for (let i = 0; i < this.names.length; i++)
      if (this.counts[i] > 0) flagged = [...flagged, { module: this.names[i], count: this.counts[i] }];
    if (!written) throw new NonFiniteError(this.config.criterion_type, flagged);
    for (let i = 0; i < flagged.length; i++) {
      const module = flagged[i].module;
      this.nonFiniteSkips[module] = (this.nonFiniteSkips[module] ?? 0) + 1;
    }
    this.lastNonFinite = flagged;
  }

  /** Drops the references to this step's buffers. */
  private release(plan: CallPlan): void {
    const { inputs, grads } = this;
    for (let i = 0; i < inputs.length; i++) inputs[i] = undefined as never;
    if (plan.usesGrad) for (let i = 0; i < grads.length; i++) grads[i] = undefined as never;
  }

  /** Names the module of a buffer the binding reports as detached mid-call. */
  private explain(err: unknown, hook: string): unknown {
    const detached = (err as { detached?: string }).detached;
    const match = detached === undefined ? null : /^(weights|grads|scores)\[(\d+)\]$/.exec(detached);
    if (!match) return err;
    const what =
      match[1] === 'weights' ? (this.input === 'weight' ? 'weight' : 'grad') : match[1] === 'grads' ? 'grad' : 'scores';
    return new ArgumentError(
      `${this.config.criterion_type}.${hook}Async: module "${this.names[Number(match[2])]}": ${what} was detached ` +
        'or transferred while the call was in flight',
    );
  }
}
