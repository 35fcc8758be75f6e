/** `snip`: s = |w * g|, computed in onBeforeOptimizerStep. */
import type { ScoreMode } from '../../binding';
import { binding } from '../native';
import { ElementwiseCriterion } from './elementwise';
import { registerCriterion } from './registry';

/**
 * SNIP: scores each weight by the magnitude of its first-order effect on the loss, |w * g|.
 * @example
 * const c = new SnipCriterion(modules, { criterion_type: 'snip' });
 * c.onBeforeOptimizerStep(); // c.scores[name][i] === Math.abs(Math.fround(w[i] * g[i]))
 */
@registerCriterion('snip')
export class SnipCriterion extends ElementwiseCriterion {
  protected readonly usesGrad = true;

  protected kernel(weight: Float32Array, grad: Float32Array, scores: Float32Array, mode: ScoreMode): number {
    return binding.scoreAbsMul(weight, grad, scores, mode);
  }

  override onBeforeOptimizerStep(): void {
    this.scoreModules('onBeforeOptimizerStep');
  }
}
