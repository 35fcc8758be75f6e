/**
 * The fixed cost of one call on a small module (768 floats, one row of a BERT layer): through the public
 * hook (validation, batch call, policy), through the raw one-module binding, and the kernel's own work
 * (the roof kernel over the same bytes) for scale.
 *
 * A call this short is sensitive to what ran just before it (JIT tiers, caches, the clock frequency after
 * the large sizes), so all twelve calls (four criteria, three ways) are warmed up first and then timed in
 * interleaved rounds whose order changes every round: no criterion is always the first timed.
 */
import { getCriterion } from '../criteria';
import { binding } from '../native';
import { rawScoreCall, scoringHook } from './calls';
import { TRAFFIC, type CriterionName } from './js-baselines';
import { CRITERIA } from './scoring';
import { filled, timeInterleaved } from './timing';

export interface OverheadRow {
  criterion: CriterionName;
  floats: number;
  /** ns per hook call through the public API, default policy. */
  hookNs: number;
  /** ns per raw binding call (one module, "compute" mode). */
  bindingNs: number;
  /** ns for the memory roof over the same bytes: the part of a call that is data movement. */
  roofNs: number;
}

/** Rounds of the interleaved timing: each figure is the median over every sample of every round. */
export const OVERHEAD_ROUNDS = 5;

export function benchOverhead(floats: number, samples: number, rounds = OVERHEAD_ROUNDS): OverheadRow[] {
  const weight = filled(floats, 3);
  const grad = filled(floats, 4);
  const out = new Float32Array(floats);
  const calls: Record<string, () => void> = {};
  for (const type of CRITERIA) {
    const reads = TRAFFIC[type].reads;
    calls[`${type} hook`] = scoringHook(getCriterion({ criterion_type: type }, { m: { weight, grad } }), type);
    calls[`${type} binding`] = rawScoreCall(type, weight, grad, out, 'compute');
    calls[`${type} roof`] = () => binding.streamRoof(weight, grad, out, reads);
  }
  const ns = timeInterleaved(calls, rounds, samples, 5);
  return CRITERIA.map((type) => ({
    criterion: type,
    floats,
    hookNs: ns[`${type} hook`],
    bindingNs: ns[`${type} binding`],
    roofNs: ns[`${type} roof`],
  }));
}
