/**
 * snip_momentum on 4x1 blocks, the before-step scoring plus the pruning step that reads it, over BERT-base
 * shapes: momentum kept per weight (what prunekit did before, and what the criterion alone does) against per
 * block (what the driver does now, as INC does). Per weight: the guarded momentum kernel over every score,
 * then the step reduces the scores to blocks. Per block: one pass folds |w * g| into the block scores, and
 * the step reads them in place.
 */
import { SnipMomentumCriterion } from '../criteria/snip-momentum';
import type { Modules } from '../criteria/types';
import { planLayer, type LayerPlan } from '../pruning/layer-plan';
import { runStep, type StepLayer, type StepSpec } from '../pruning/native-step';
import { parsePattern } from '../pruning/patterns';
import { DEFAULTS } from '../pruning/options';
import { setThreads, threads } from '../threads';
import { bertStepLayers } from './selection';
import { filled, timeCall } from './timing';

export interface MomentumRow {
  momentum: 'per weight' | 'per block';
  threads: number;
  weights: number;
  /** ms (medians): the before-step scoring, the step's mask update, their sum. */
  scoreMs: number;
  stepMs: number;
  totalMs: number;
  nsPerWeight: number;
  /** Bytes of scores the criterion keeps between steps. */
  scoreBytes: number;
}

/** Times both ways on one thread and on the pool; `layers` BERT layers (6 matrices each). */
export function benchBlockMomentum(layers: number, samples: number): MomentumRow[] {
  const shapes = bertStepLayers(layers);
  const pattern = parsePattern('4x1');
  const modules: Modules = {};
  shapes.forEach(({ name, shape, scores }, j) => {
    modules[name] = { weight: scores, grad: filled(scores.length, 100 + j, 0.01), shape };
  });
  const plans = shapes.map((l) => planLayer(l.name, l.shape, undefined, pattern).plan as LayerPlan);
  const weights = plans.reduce((a, p) => a + p.size, 0);
  const spec: StepSpec = {
    pattern,
    reduce: 'mean',
    exact: true,
    global: true,
    ratio: 0.9,
    maxRatio: DEFAULTS.max_sparsity_ratio_per_op,
    minRatio: 0,
    targetRatio: 0.9,
  };
  const pool = threads();
  const rows: MomentumRow[] = [];
  try {
    for (const count of pool > 1 ? [1, pool] : [1])
      for (const momentum of ['per weight', 'per block'] as const) {
        setThreads(count);
        const blocked = momentum === 'per block';
        const criterion = new SnipMomentumCriterion(
          modules,
          { criterion_type: 'snip_momentum' },
          blocked
            ? {
                layers: plans.map((p) => ({ ...p, units: p.unitScores as Float32Array })),
                reduce: 'mean',
              }
            : undefined,
        );
        const step: StepLayer[] = plans.map((plan) => ({
          plan,
          scores: blocked ? null : criterion.scores[plan.name],
          units: blocked ? (plan.unitScores as Float32Array) : undefined,
          weight: null,
          keep: new Uint8Array(plan.size).fill(1),
        }));
        criterion.onBeforeOptimizerStep(); // warm-up; then, as the pruner does, each step gets the zero units
        const first = runStep(step, spec);
        step.forEach((l, j) => (l.previousZeros = first.zeroUnits[j]));
        const scoreMs = timeCall(() => criterion.onBeforeOptimizerStep(), samples) / 1e6;
        const stepMs = timeCall(() => runStep(step, spec), samples) / 1e6;
        const scoreBytes = Object.values(criterion.scores).reduce((a, s) => a + s.byteLength, 0);
        const totalMs = scoreMs + stepMs;
        rows.push({
          momentum,
          threads: count,
          weights,
          scoreMs,
          stepMs,
          totalMs,
          nsPerWeight: (totalMs * 1e6) / weights,
          scoreBytes,
        });
      }
  } finally {
    setThreads(pool);
  }
  return rows;
}
