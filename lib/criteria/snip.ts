/** `snip`: s = |w * g|, computed in onBeforeOptimizerStep. */
import { ElementwiseCriterion, type ElementwiseKernel } from './elementwise';
import { registerCriterion } from './registry';

/**
 * SNIP: scores each weight by the magnitude of its first-order effect on the loss, |w * g|.
 * @example
 * const c = new SnipCriterion(modules, { criterion_type: 'snip' });
 * c.onBeforeOptimizerStep(); // c.scores[name][i] === Math.abs(Math.fround(w[i] * g[i]))
 */
@registerCriterion('snip')
export class SnipCriterion extends ElementwiseCriterion {
  static override readonly kernel: ElementwiseKernel = { op: 'abs-mul', input: 'weight', usesGrad: true };
  static override readonly scoringHook = 'onBeforeOptimizerStep';
  static override readonly readsGradients = true;

  override onBeforeOptimizerStep(): void {
    this.score('onBeforeOptimizerStep');
  }

  override onBeforeOptimizerStepAsync(): Promise<void> {
    return this.scoreAsync('onBeforeOptimizerStep');
  }
}
