/**
 * Threshold mode's rounds (the reference's `<= kthvalue`): every active layer prunes `<= kthvalue(k)` of
 * the units of all shards; if any prunes more than its cap hi, each such layer is frozen at its own
 * `<= kthvalue(hi)`, its count leaves k and the rest is solved again; once none is over its cap, each layer
 * under its floor lo is frozen at its own `<= kthvalue(lo)` and the rest solved again. Four rounds per
 * solve: three digits, then one that counts the layers over their cap and under their floor.
 */
import { HEADER, RadixRounds } from './radix-rounds';
import { DIGITS, KEEP_ALL, NAN_BIN, thresholdDecision, type UnitDecision } from './radix-select';

export class ThresholdRounds extends RadixRounds {
  private readonly frozen: (UnitDecision | null)[] = this.units.map(() => null);
  private residual = 0;
  private firstIteration = true;
  private frozenPruned = 0;
  private kk = 0;
  private globalBelow = 0;
  /** The threshold key of the current solve (null: nothing is `<=` it). */
  private tFound: number | null = null;

  protected addLayer(out: Float64Array, j: number, hist: Uint32Array): void {
    if (this.level === 0) out[0] += this.count[j];
    for (let c = 0; c < hist.length; c++) out[HEADER + c] += hist[c];
  }

  protected override finishRound(out: Float64Array): void {
    if (this.level !== 0) return;
    out[1] = this.frozenPruned;
    for (let j = 0; j < this.units.length; j++) out[2] += this.count[j];
  }

  protected advanceLevel(merged: ArrayLike<number>): void {
    if (this.level === 0) {
      if (this.firstIteration) {
        this.residual = this.resolveK(merged[2]);
        this.firstIteration = false;
      }
      this.residual -= merged[1];
      this.frozenPruned = 0;
      const activeTotal = merged[0];
      if (activeTotal === 0) {
        this.phase = 'done';
        return;
      }
      this.kk = Math.min(this.residual, activeTotal);
      this.globalBelow = 0;
      if (this.kk <= 0) {
        this.tFound = null;
        this.phase = 'check';
        return;
      }
    }
    const bins = 2 ** DIGITS[this.level];
    let c = 0;
    while (c < bins - 1 && this.globalBelow + merged[HEADER + c] < this.kk) this.globalBelow += merged[HEADER + c++];
    if (this.level === 0 && c === NAN_BIN) {
      // kthvalue is NaN: nothing compares <= NaN
      this.tFound = null;
      this.phase = 'check';
      return;
    }
    this.descend(c);
    if (this.level === DIGITS.length) {
      this.tFound = this.prefix;
      this.phase = 'check';
    }
  }

  private prunedAtT(j: number): number {
    return this.tFound === null ? 0 : this.below[j] + this.ties[j];
  }

  /** Layers above their cap, below their floor, at T. */
  protected override checkRound(out: Float64Array): void {
    const { lo, hi } = this.bounds;
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const pruned = this.prunedAtT(j);
      if (pruned > hi[j]) out[0]++;
      if (pruned < lo[j]) out[1]++;
    }
  }

  protected override advanceCheck(merged: ArrayLike<number>): void {
    const overCap = merged[0];
    const underFloor = merged[1];
    if (overCap === 0 && underFloor === 0) {
      this.phase = 'done';
      return;
    }
    const { lo, hi } = this.bounds;
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const pruned = this.prunedAtT(j);
      const bound = overCap > 0 ? (pruned > hi[j] ? hi[j] : -1) : pruned < lo[j] ? lo[j] : -1;
      if (bound < 0) continue;
      const decision = thresholdDecision(this.units[j], bound, this.scratch);
      this.frozen[j] = decision;
      this.frozenPruned += decision.pruned;
      this.active[j] = false;
    }
    this.level = 0;
    this.prefix = 0;
    this.prefixBits = 0;
    for (let j = 0; j < this.units.length; j++) this.below[j] = this.ties[j] = 0;
    this.phase = 'levels';
  }

  /** Threshold mode takes every tie: nothing to share. */
  protected tiesOf(): Float64Array {
    return new Float64Array(2);
  }

  protected decide(): UnitDecision[] {
    return this.units.map((_, j) => {
      if (this.frozen[j]) return this.frozen[j] as UnitDecision;
      if (this.tFound === null) return KEEP_ALL;
      return { key: this.tFound, quota: Infinity, pruned: this.below[j] + this.ties[j] };
    });
  }
}
