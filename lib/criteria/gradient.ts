/** `gradient`: s = |g|, computed in onBeforeOptimizerStep. */
import { ElementwiseCriterion } from './elementwise';
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
  protected readonly op = 'abs';
  protected readonly input = 'grad';
  protected readonly usesGrad = false;


  override onBeforeOptimizerStep(): void {
    this.score('onBeforeOptimizerStep');
  }

  override onBeforeOptimizerStepAsync(): Promise<void> {
    return this.scoreAsync('onBeforeOptimizerStep');
  }
}
