/** The calls the benchmarks time, chosen by criterion name once instead of in every benchmark. */
import type { ScoreMode } from '../../binding';
import type { PruningCriterion } from '../criteria';
import { binding } from '../native';
import type { CriterionName } from './js-baselines';

/** The hook that computes `type`'s scores: onStepBegin for magnitude, onBeforeOptimizerStep for the rest. */
export function scoringHook(criterion: PruningCriterion, type: CriterionName): () => void {
  return type === 'magnitude' ? () => criterion.onStepBegin() : () => criterion.onBeforeOptimizerStep();
}

/** One raw one-module binding call computing `type` into `s` (snip_momentum with alpha 0.9, beta 1). */
export function rawScoreCall(type: CriterionName, w: Float32Array, g: Float32Array, s: Float32Array, mode: ScoreMode): () => number {
  switch (type) {
    case 'magnitude':
      return () => binding.scoreAbs(w, s, mode);
    case 'gradient':
      return () => binding.scoreAbs(g, s, mode);
    case 'snip':
      return () => binding.scoreAbsMul(w, g, s, mode);
    case 'snip_momentum':
      return () => binding.scoreMomentum(w, g, s, 0.9, 1, mode);
  }
}
