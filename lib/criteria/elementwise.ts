/**
 * The shared machinery of the built-in criteria: each scores every module with one native kernel call,
 * after checking every module first, and applies the non-finite policy of SPEC 1.
 */
import type { ScoreMode } from '../../binding';
import { PruningCriterion } from './base';
import type { ModuleTensors } from './types';
import { checkFloat32 } from './validate';

/** Thrown by policy `"error"` when a step's terms are not all finite; no scores were changed. */
export class NonFiniteError extends Error {
  constructor(
    readonly criterion: string,
    readonly counts: Array<{ module: string; count: number }>,
  ) {
    super(
      `${criterion}: non-finite terms (NaN or Inf) in ` +
        counts.map(({ module, count }) => `module "${module}" (${count} of them)`).join(', ') +
        '; no scores were changed (on_non_finite: "error")',
    );
    this.name = 'NonFiniteError';
  }
}

/** A criterion whose scores are one elementwise kernel over weight and/or grad. */
export abstract class ElementwiseCriterion extends PruningCriterion {
  /** Whether the kernel reads `grad`. */
  protected abstract readonly usesGrad: boolean;

  /** Runs the kernel on one module. */
  protected abstract kernel(weight: Float32Array, grad: Float32Array | null, scores: Float32Array, mode: ScoreMode): number;

  /** Checks every module, then scores them all; `hook` names the caller in errors. */
  protected scoreModules(hook: string): void {
    const names = Object.keys(this.scores);
    for (const name of names) this.checkModule(name, this.modules[name], hook);

    if (this.onNonFinite === 'error') {
      const bad = [];
      for (const name of names) {
        const count = this.run(name, 'count');
        if (count > 0) bad.push({ module: name, count });
      }
      if (bad.length > 0) throw new NonFiniteError(this.config.criterion_type, bad);
    }

    const mode: ScoreMode = this.onNonFinite === 'skip' ? 'guarded' : 'compute';
    const skipped = [];
    for (const name of names) {
      const count = this.run(name, mode);
      if (count > 0) {
        skipped.push({ module: name, count });
        this.nonFiniteSkips[name] = (this.nonFiniteSkips[name] ?? 0) + 1;
      }
    }
    this.lastNonFinite = skipped;
  }

  private run(name: string, mode: ScoreMode): number {
    const { weight, grad } = this.modules[name];
    return this.kernel(weight, this.usesGrad ? (grad as Float32Array) : null, this.scores[name], mode);
  }

  private checkModule(name: string, entry: ModuleTensors | undefined, hook: string): void {
    const where = `${this.config.criterion_type}.${hook}: module "${name}"`;
    if (typeof entry !== 'object' || entry === null)
      throw new TypeError(`${where} is missing from the modules record`);
    const expected = this.scores[name].length;
    checkFloat32(entry.weight, `${where}: weight`, expected);
    if (!this.usesGrad) return;
    if (entry.grad === undefined || entry.grad === null)
      throw new TypeError(`${where} has no grad: ${this.config.criterion_type} reads gradients, run backward first`);
    checkFloat32(entry.grad, `${where}: grad`, expected);
  }
}
