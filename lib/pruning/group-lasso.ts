/**
 * The group-lasso regulariser (`reg_type: "group_lasso"`, `reg_coeff`), as the reference applies it: before
 * the optimizer step, each block's term is `reg_coeff / (||grad block||_2 + 1e-12)` (an infinite term
 * becomes 0); after the step, `weight -= term * weight` for every weight of the block (decoupled from the
 * gradient descent). NxM patterns only.
 */
import { ArgumentError } from '../errors';
import type { Modules } from '../criteria';
import { resolveBlockSize, toViewOrder, fromViewOrder, viewOf, type BlockPattern, type WeightLayout } from './patterns';

export class GroupLasso {
  private readonly terms = new Map<string, Float32Array>();

  constructor(
    private readonly modules: Modules,
    private readonly layers: readonly string[],
    private readonly pattern: BlockPattern,
    private readonly coeff: number,
  ) {}

  /** Computes the block terms from the current grads. */
  onBeforeOptimizerStep(): void {
    for (const name of this.layers) {
      const { grad, shape, layout } = this.modules[name];
      if (!grad) throw new ArgumentError(`group_lasso: module "${name}" has no grad: run backward first`);
      const geometry = this.geometry(name, shape as number[], layout);
      const g = geometry.permuted ? toViewOrder(grad, shape as number[], layout) : grad;
      const { rows, cols, bn, bm } = geometry;
      const terms = this.terms.get(name) ?? new Float32Array((rows / bn) * (cols / bm));
      for (let br = 0; br < rows / bn; br++)
        for (let bc = 0; bc < cols / bm; bc++) {
          let sum = 0;
          for (let r = br * bn; r < (br + 1) * bn; r++)
            for (let c = bc * bm; c < (bc + 1) * bm; c++) sum += g[r * cols + c] * g[r * cols + c];
          const term = this.coeff / (Math.sqrt(sum) + 1e-12);
          terms[br * (cols / bm) + bc] = Number.isFinite(term) ? term : 0;
        }
      this.terms.set(name, terms);
    }
  }

  /** Shrinks each block's weights by its term. */
  onAfterOptimizerStep(): void {
    for (const name of this.layers) {
      const terms = this.terms.get(name);
      if (!terms) continue; // no onBeforeOptimizerStep this step: nothing to apply
      const { weight, shape, layout } = this.modules[name];
      const { rows, cols, bn, bm, permuted } = this.geometry(name, shape as number[], layout);
      const w = permuted ? toViewOrder(weight, shape as number[], layout) : weight;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          w[i] -= terms[Math.floor(r / bn) * (cols / bm) + Math.floor(c / bm)] * w[i];
        }
      if (permuted) weight.set(fromViewOrder(w, shape as number[], layout));
      this.terms.delete(name);
    }
  }

  private geometry(name: string, shape: number[], layout?: WeightLayout) {
    const view = viewOf(shape, layout);
    if (!view.ok) throw new Error(`group_lasso: module "${name}": ${view.reason}`);
    const [bn, bm] = resolveBlockSize(this.pattern, view.view.rows, view.view.cols);
    return { rows: view.view.rows, cols: view.view.cols, bn, bm, permuted: view.view.permuted };
  }
}
