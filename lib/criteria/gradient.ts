/** `gradient`: s = |g|, computed in onBeforeOptimizerStep. */
import { ElementwiseCriterion, type ElementwiseKernel } from './elementwise';
import { registerCriterion } from './registry';

/**
 * Scores each weight by the absolute value of its gradient.
 * @example
 * const c = new GradientCriterion(modules, { criterion_type: 'gradient' });
 * // after backward:
 * c.onBeforeOptimizerStep(); // c.scores[name][i] === Math.abs(g[i])
 */
@registerCriterion('gradient')
export class GradientCriterion extends ElementwiseCriterion {
  static override readonly kernel: ElementwiseKernel = { op: 'abs', input: 'grad', usesGrad: false };
  static override readonly scoringHook = 'onBeforeOptimizerStep';
  static override readonly readsGradients = true;

  override onBeforeOptimizerStep(): void {
    this.score('onBeforeOptimizerStep');
  }

  override onBeforeOptimizerStepAsync(): Promise<void> {
    return this.scoreAsync('onBeforeOptimizerStep');
  }
}
