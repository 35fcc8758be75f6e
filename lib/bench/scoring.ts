/**
 * Per-element cost of each criterion at sizes that live in L1, L2, the last-level cache and DRAM, on every
 * instruction set, side by side with a plain JavaScript loop and with the memory roof (a native kernel
 * moving the same bytes with no arithmetic).
 */
import { getCriterion } from '../criteria';
import { binding } from '../native';
import { setSimd, simdInfo, type SimdLevel } from '../simd';
import { setThreads, threads } from '../threads';
import { scoringHook } from './calls';
import { jsScore, TRAFFIC, type CriterionName } from './js-baselines';
import { filled, timeCall } from './timing';

export const CRITERIA: CriterionName[] = ['magnitude', 'gradient', 'snip', 'snip_momentum'];

export interface ScoringRow {
  criterion: CriterionName;
  floats: number;
  isa: SimdLevel;
  /** Median ns per element, default policy ("skip"), one thread. */
  skipNs: number;
  /** Memory traffic of the formula (reads + writes) at skipNs, GB/s. */
  skipGBs: number;
  /** Median ns per element with on_non_finite "propagate" (the kernel alone), one thread. */
  propagateNs: number;
  /** The memory roof for the same bytes, one thread, ns per element. */
  roofNs: number;
  /** The plain JavaScript loop, ns per element. */
  jsNs: number;
  /** Default policy with the whole thread pool (active instruction set only), ns per element. */
  threadedNs: number | null;
  /** "propagate" with the whole thread pool (active instruction set only): the second core's gain alone. */
  threadedPropagateNs: number | null;
  threads: number;
}

/** Runs the grid; `onRow` sees each row as it is measured (progress). */
export function benchScoring(sizes: number[], samples: number, onRow: (row: ScoringRow) => void): ScoringRow[] {
  const info = simdInfo();
  const pool = threads();
  const rows: ScoringRow[] = [];
  try {
    for (const n of sizes) {
      const modules = { m: { weight: filled(n, 1), grad: filled(n, 2, 1e-3) } };
      const roofOut = new Float32Array(n);
      for (const type of CRITERIA) {
        const skip = getCriterion({ criterion_type: type }, modules);
        const propagate = getCriterion({ criterion_type: type, on_non_finite: 'propagate' }, modules);
        const { weight, grad } = modules.m;
        const jsOut = new Float32Array(n);
        const jsNs = timeCall(() => jsScore(type, weight, grad, jsOut), samples) / n;
        const reads = TRAFFIC[type].reads;
        const a = type === 'gradient' ? grad : weight;
        for (const isa of [...info.supported].reverse()) {
          setSimd(isa);
          setThreads(1);
          const skipNs = timeCall(scoringHook(skip, type), samples) / n;
          const propagateNs = timeCall(scoringHook(propagate, type), samples) / n;
          const roofNs = timeCall(() => binding.streamRoof(a, grad, roofOut, reads), samples) / n;
          setThreads(pool);
          const threaded = isa === info.active && pool > 1;
          const threadedNs = threaded ? timeCall(scoringHook(skip, type), samples) / n : null;
          const threadedPropagateNs = threaded ? timeCall(scoringHook(propagate, type), samples) / n : null;
          const bytes = 4 * (reads + TRAFFIC[type].writes);
          const row = {
            criterion: type,
            floats: n,
            isa,
            skipNs,
            skipGBs: bytes / skipNs,
            propagateNs,
            roofNs,
            jsNs,
            threadedNs,
            threadedPropagateNs,
            threads: pool,
          };
          rows.push(row);
          onRow(row);
        }
      }
    }
  } finally {
    setSimd(info.active);
    setThreads(pool);
  }
  return rows;
}
