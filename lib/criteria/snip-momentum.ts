/** `snip_momentum`: s = s * alpha + beta * |w * g|, accumulated in onBeforeOptimizerStep. */
import { ElementwiseCriterion, type ElementwiseKernel } from './elementwise';
import { registerCriterion } from './registry';
import type { CriterionConfig, Modules } from './types';
import { finiteOption } from './validate';

/**
 * SNIP with momentum: a running, decayed sum of |w * g| over steps. Scores start at 0. The reference's code
 * (not its docs) decides the order: `s *= alpha; s += beta * |w * g|`, each product and the sum rounded to
 * float32 on its own. `alpha` (default 0.9) and `beta` (default 1.0) come from the config.
 * @example
 * const c = getCriterion({ criterion_type: 'snip_momentum', alpha: 0.9, beta: 1.0 }, modules);
 * for (const batch of data) { train(batch); c.onBeforeOptimizerStep(); optimizer.step(); }
 */
@registerCriterion('snip_momentum')
export class SnipMomentumCriterion extends ElementwiseCriterion {
  static override readonly kernel: ElementwiseKernel = { op: 'momentum', input: 'weight', usesGrad: true };
  static override readonly scoringHook = 'onBeforeOptimizerStep';
  static override readonly readsGradients = true;
  readonly alpha: number;
  readonly beta: number;

  constructor(modules: Modules, config: CriterionConfig) {
    super(modules, config);
    this.kernelAlpha = this.alpha = finiteOption(config, 'alpha', 0.9);
    this.kernelBeta = this.beta = finiteOption(config, 'beta', 1.0);
  }

  override onBeforeOptimizerStep(): void {
    this.score('onBeforeOptimizerStep');
  }

  override onBeforeOptimizerStepAsync(): Promise<void> {
    return this.scoreAsync('onBeforeOptimizerStep');
  }
}
