/**
 * The fixed cost of one call on a small module (768 floats, one row of a BERT layer): through the public
 * hook (validation, batch call, policy), through the raw one-module binding, and the kernel's own work
 * (the roof kernel over the same bytes) for scale.
 */
import { getCriterion } from '../criteria';
import { binding } from '../native';
import { rawScoreCall, scoringHook } from './calls';
import { TRAFFIC, type CriterionName } from './js-baselines';
import { CRITERIA } from './scoring';
import { filled, timeCall } from './timing';

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

export function benchOverhead(floats: number, samples: number): OverheadRow[] {
  const weight = filled(floats, 3);
  const grad = filled(floats, 4);
  const out = new Float32Array(floats);
  return CRITERIA.map((type) => {
    const c = getCriterion({ criterion_type: type }, { m: { weight, grad } });
    const hook = scoringHook(c, type);
    const raw = rawScoreCall(type, weight, grad, out, 'compute');
    const reads = TRAFFIC[type].reads;
    return {
      criterion: type,
      floats,
      hookNs: timeCall(hook, samples, 5),
      bindingNs: timeCall(raw, samples, 5),
      roofNs: timeCall(() => binding.streamRoof(weight, grad, out, reads), samples, 5),
    };
  });
}
