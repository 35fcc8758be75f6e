/**
 * Exact mode's rounds: exactly k units over all shards, the first by (score, layer, index), NaN never, each
 * layer between its bounds lo <= pruned <= hi ("each layer its lo first, then the global order under the
 * caps"). Solved in one pass over the global order: with x_j(P) the units of layer j up to position P of
 * that order, every layer prunes its own first clamp(x_j(P), lo_j, hi_j), for the first P where those sum to
 * the target. Each round's array holds that sum for every bin, so shards exchange one array a round; three
 * rounds in all.
 */
import { HEADER, RadixRounds, type SelectionTarget, type UnitBounds } from './radix-rounds';
import { clamp, DIGITS, exactDecision, KEEP_ALL, NAN_BIN, NAN_KEY, type UnitDecision } from './radix-select';

export class ExactRounds extends RadixRounds {
  /** Floors no layer can pass: at most its non-NaN units. */
  private readonly loEff: number[];
  private readonly nonNan: number[];
  // Known to every shard alike (derived from summed arrays only):
  private want = 0;
  /** 'key' (T found), 'none' (each layer its floor), 'all' (every non-NaN unit up to the caps). */
  private outcome: 'key' | 'none' | 'all' = 'none';
  private threshold = 0;

  constructor(units: readonly Float32Array[], target: SelectionTarget, bounds: UnitBounds) {
    super(units, target, bounds);
    this.loEff = [...bounds.lo];
    this.nonNan = [...this.count];
  }

  protected addLayer(out: Float64Array, j: number, hist: Uint32Array): void {
    const { lo, hi } = this.bounds;
    if (this.level === 0) {
      out[0] += this.count[j];
      this.nonNan[j] = this.count[j] - hist[NAN_BIN];
      this.loEff[j] = Math.min(lo[j], this.nonNan[j]);
      out[1] += lo[j];
      out[2] += hi[j];
      out[3] += this.loEff[j];
    }
    // F at the end of each bin: this layer's pruned count if the global order stopped there.
    const [floor, cap] = [this.loEff[j], hi[j]];
    let running = this.below[j];
    for (let c = 0; c < hist.length; c++) {
      running += hist[c];
      out[HEADER + c] += clamp(running, floor, cap);
    }
  }

  protected advanceLevel(merged: ArrayLike<number>): void {
    if (this.level === 0) {
      const k = this.resolveK(merged[0]);
      this.want = Math.min(Math.max(k, merged[1]), merged[2]);
      if (merged[3] >= this.want) {
        // The floors alone reach the target (or the target is 0).
        this.outcome = 'none';
        this.phase = 'done';
        return;
      }
    }
    const bins = this.level === 0 ? NAN_BIN : 2 ** DIGITS[this.level];
    let c = 0;
    while (c < bins && merged[HEADER + c] < this.want) c++;
    if (c === bins) {
      if (this.level !== 0) throw new Error('internal: the selection lost its target (were the arrays summed?)');
      this.outcome = 'all';
      this.phase = 'done';
      return;
    }
    this.descend(c);
    if (this.level === DIGITS.length) {
      this.outcome = 'key';
      this.threshold = this.prefix;
      this.phase = 'done';
    }
  }

  protected tiesOf(): Float64Array {
    const out = new Float64Array(2);
    if (this.outcome !== 'key') return out;
    const { hi } = this.bounds;
    for (let j = 0; j < this.units.length; j++) {
      out[0] += clamp(this.below[j], this.loEff[j], hi[j]);
      out[1] += clamp(this.below[j] + this.ties[j], this.loEff[j], hi[j]);
    }
    return out;
  }

  protected decide(start: number): UnitDecision[] {
    let f = start;
    return this.units.map((units, j) => {
      const lo = this.loEff[j];
      const hi = this.bounds.hi[j];
      // x: units of this layer up to the stopping point of the global order; key/quota: how to emit x.
      let x: number;
      let key: number;
      let quota: number;
      if (this.outcome === 'none') {
        [x, key, quota] = [0, 0, 0];
      } else if (this.outcome === 'all') {
        [x, key, quota] = [this.nonNan[j], NAN_KEY, 0];
      } else {
        const a = this.below[j];
        const t = this.ties[j];
        const g0 = clamp(a, lo, hi);
        const gt = clamp(a + t, lo, hi);
        let taken: number;
        if (f >= this.want) taken = 0;
        else if (f - g0 + gt < this.want) {
          taken = t;
          f += gt - g0;
        } else {
          taken = this.want - (f - g0) - a;
          f = this.want;
        }
        [x, key, quota] = [a + taken, this.threshold, taken === t ? Infinity : taken];
      }
      const pruned = clamp(x, lo, hi);
      if (pruned === x) return x === 0 ? KEEP_ALL : { key, quota, pruned };
      return exactDecision(units, pruned, this.scratch);
    });
  }
}
