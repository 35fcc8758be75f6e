/** `magnitude`: s = |w|, computed in onStepBegin. */
import type { ScoreMode } from '../../binding';
import { binding } from '../native';
import { ElementwiseCriterion } from './elementwise';
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
  protected readonly usesGrad = false;

  protected kernel(weight: Float32Array, _grad: null, scores: Float32Array, mode: ScoreMode): number {
    return binding.scoreAbs(weight, scores, mode);
  }

  override onStepBegin(): void {
    this.scoreModules('onStepBegin');
  }
}
