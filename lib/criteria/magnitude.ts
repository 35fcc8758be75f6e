/** `magnitude`: s = |w|, computed in onStepBegin. */
import { ElementwiseCriterion, type ElementwiseKernel } from './elementwise';
import { registerCriterion } from './registry';

/**
 * Scores each weight by its absolute value (the reference's first version used the signed weight, a bug its
 * successor fixed; prunekit uses |w|).
 * @example
 * const c = new MagnitudeCriterion(modules, { criterion_type: 'magnitude' });
 * c.onStepBegin(); // c.scores[name][i] === Math.fround(Math.abs(w[i]))
 */
@registerCriterion('magnitude')
export class MagnitudeCriterion extends ElementwiseCriterion {
  static override readonly kernel: ElementwiseKernel = { op: 'abs', input: 'weight', usesGrad: false };
  static override readonly scoringHook = 'onStepBegin';
  static override readonly readsGradients = false;

  override onStepBegin(): void {
    this.score('onStepBegin');
  }

  override onStepBeginAsync(): Promise<void> {
    return this.scoreAsync('onStepBegin');
  }
}
