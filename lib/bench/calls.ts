/**
 * The calls the benchmarks time, derived from the criterion classes' statics (the hook that scores, the raw
 * binding op) instead of a table of their own.
 */
import type { ScoreMode } from '../../binding';
import { BUILTIN_CRITERIA, type BuiltinCriterion, type PruningCriterion } from '../criteria';
import { binding } from '../native';

/** The hook that computes `type`'s scores: onStepBegin for magnitude, onBeforeOptimizerStep for the rest. */
export function scoringHook(criterion: PruningCriterion, type: BuiltinCriterion): () => void {
  const hook = BUILTIN_CRITERIA[type].scoringHook;
  return () => criterion[hook]();
}

/** One raw one-module binding call computing `type` into `s` (snip_momentum with alpha 0.9, beta 1). */
export function rawScoreCall(
  type: BuiltinCriterion,
  w: Float32Array,
  g: Float32Array,
  s: Float32Array,
  mode: ScoreMode,
): () => number {
  const { op, input } = BUILTIN_CRITERIA[type].kernel;
  const x = input === 'weight' ? w : g;
  switch (op) {
    case 'abs':
      return () => binding.scoreAbs(x, s, mode);
    case 'abs-mul':
      return () => binding.scoreAbsMul(x, g, s, mode);
    case 'momentum':
      return () => binding.scoreMomentum(x, g, s, 0.9, 1, mode);
  }
}
