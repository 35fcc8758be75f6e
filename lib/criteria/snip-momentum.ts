/** `snip_momentum`: s = s * alpha + beta * |w * g|, accumulated in onBeforeOptimizerStep. */
import type { ScoreMode } from '../../binding';
import { ArgumentError } from '../errors';
import { ElementwiseCriterion, type CallPlan, type ElementwiseKernel } from './elementwise';
import { kernels } from './kernels';
import { registerCriterion } from './registry';
import type { CriterionConfig, Modules } from './types';
import { finiteOption } from './validate';

/** One module's blocks, for momentum kept per block: its 2-D view, the block, and where the momentum lives. */
export interface MomentumBlockLayer {
  /** The 2-D view the pattern reads (rows * cols weights) and the block (bn x bm, dividing it). */
  readonly rows: number;
  readonly cols: number;
  readonly bn: number;
  readonly bm: number;
  /** view index -> weight index (null: the weight is in view order). */
  readonly viewMap: Uint32Array | null;
  /** The momentum, one float per block in view order: becomes the module's `scores` entry. */
  readonly units: Float32Array;
}

/** Momentum kept on block-reduced scores: every module's blocks, in the modules' order, and the reduction. */
export interface MomentumBlocks {
  readonly layers: readonly MomentumBlockLayer[];
  readonly reduce: 'mean' | 'sum' | 'max';
}

const REDUCE = { mean: 0, sum: 1, max: 2 } as const;
const MODE = { compute: 0, guarded: 1, 'all-or-nothing': 2 } as const satisfies Record<ScoreMode, number>;

/**
 * SNIP with momentum: a running, decayed sum of |w * g| over steps. Scores start at 0. The reference's code
 * (not its docs) decides the order: `s *= alpha; s += beta * |w * g|`, each product and the sum rounded to
 * float32 on its own. `alpha` (default 0.9) and `beta` (default 1.0) come from the config.
 *
 * Given `blocks` (the pruning driver does, for a block pattern other than 1x1), the momentum is kept per
 * block as INC 2.x keeps it: `s = s * alpha + beta * reduce(|w * g|)` over each block of the module's 2-D
 * view, so `scores[name]` holds one float per block (view order) instead of one per weight. The
 * non-finite policy applies per module as for element scores.
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
  /** The blocks the momentum is kept on (null: one score per weight). */
  readonly blocks: MomentumBlocks | null;
  // blockMomentum's arguments, built once: the per-call array list, the geometry and the options.
  private readonly blockArrays: (Float32Array | Uint32Array | null)[] = [];
  private blockGeometry: Float64Array | null = null;
  private blockOptions: Float64Array | null = null;

  /** @param blocks set by the pruning driver (BasicPruner) from its layer plans: one entry per module, in order. */
  constructor(modules: Modules, config: CriterionConfig, blocks?: MomentumBlocks) {
    const names = Object.keys(modules);
    if (blocks !== undefined && blocks.layers.length !== names.length)
      throw new ArgumentError(`snip_momentum: blocks has ${blocks.layers.length} layers for ${names.length} modules`);
    super(
      modules,
      config,
      blocks === undefined ? undefined : Object.fromEntries(names.map((name, j) => [name, blocks.layers[j].units])),
    );
    this.kernelAlpha = this.alpha = finiteOption(config, 'alpha', 0.9);
    this.kernelBeta = this.beta = finiteOption(config, 'beta', 1.0);
    this.blocks = blocks ?? null;
  }

  override onBeforeOptimizerStep(): void {
    this.score('onBeforeOptimizerStep');
  }

  override onBeforeOptimizerStepAsync(): Promise<void> {
    return this.scoreAsync('onBeforeOptimizerStep');
  }

  protected override run(plan: CallPlan): boolean {
    if (this.blocks === null) return super.run(plan);
    try {
      return kernels().blockMomentum(...this.blockArgs(plan));
    } finally {
      this.blockArrays.fill(null);
    }
  }

  protected override async runAsync(plan: CallPlan): Promise<boolean> {
    if (this.blocks === null) return super.runAsync(plan);
    try {
      return await kernels().blockMomentumAsync(...this.blockArgs(plan));
    } finally {
      this.blockArrays.fill(null);
    }
  }

  /** blockMomentum's arguments for this call (the weights and grads the checks just took). */
  private blockArgs(plan: CallPlan): Parameters<ReturnType<typeof kernels>['blockMomentum']> {
    const { layers, reduce } = this.blocks as MomentumBlocks;
    if (this.blockGeometry === null) {
      this.blockGeometry = new Float64Array(layers.flatMap(({ rows, cols, bn, bm }) => [rows, cols, bn, bm]));
      this.blockOptions = new Float64Array([REDUCE[reduce], this.alpha, this.beta, MODE[plan.mode]]);
    }
    const arrays = this.blockArrays;
    layers.forEach(({ units, viewMap }, j) => {
      arrays[j * 4] = this.inputs[j];
      arrays[j * 4 + 1] = this.grads[j];
      arrays[j * 4 + 2] = units;
      arrays[j * 4 + 3] = viewMap;
    });
    return [arrays, this.blockGeometry, this.blockOptions as Float64Array, this.counts];
  }
}
