/** `gradient`: s = |g|, computed in onBeforeOptimizerStep. */
import type { ScoreMode } from '../../binding';
import { binding } from '../native';
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
  protected readonly usesGrad = true;

  protected kernel(_weight: Float32Array, grad: Float32Array, scores: Float32Array, mode: ScoreMode): number {
    return binding.scoreAbs(grad, scores, mode);
  }

  override onBeforeOptimizerStep(): void {
    this.scoreModules('onBeforeOptimizerStep');
  }
}
