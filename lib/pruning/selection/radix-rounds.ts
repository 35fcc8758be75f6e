/**
 * The rounds of one selection over many layers' units, as one process runs them: each round, every
 * active layer histograms the keys that share the prefix chosen so far, the process returns one array for
 * the round (to be summed with every other shard's), and the summed array picks the next digit. What the
 * array holds and how a sum is read is the tie mode's (exact-rounds.ts, threshold-rounds.ts); this class
 * holds what both share: the per-layer histograms, the prefix, and the round protocol's checks.
 */
import { ShapeError, StateError } from '../../errors';
import { binding } from '../../native';
import { targetCount } from '../target';
import { DIGITS, type UnitDecision } from './radix-select';

/** Slots at the start of every array a round exchanges (the rest are histogram bins). */
export const HEADER = 4;

/** What to prune over all shards: a ratio of all units, or a count. */
export type SelectionTarget = { ratio: number } | { k: number };

/** Per-layer unit bounds: lo = targetCount(min), hi = targetCount(max). */
export interface UnitBounds {
  lo: number[];
  hi: number[];
}

/** The selection state of one process over its own units (one unit array per prunable layer, in order). */
export interface UnitSelector {
  /** True when the rounds are over (then `tieCounts` and `decisions`). */
  readonly done: boolean;
  /** This process's array for the round: to be summed elementwise with every other process's. */
  histogram(): Float64Array;
  /** Takes the round's array summed over every process (a Float64Array, or any array of the same numbers). */
  advance(merged: ArrayLike<number>): void;
  /** This process's `[base, full]`: the summed pruned counts at T taking none, and all, of its ties. */
  tieCounts(): Float64Array;
  /**
   * What each unit set prunes. `start` is F (the summed pruned counts over all processes) with this process
   * taking no tie and every process before it all of theirs.
   */
  decisions(start: number): UnitDecision[];
}

export abstract class RadixRounds implements UnitSelector {
  protected readonly count: number[];
  protected readonly hist: Uint32Array[];
  /** Per layer: units below the prefix chosen so far, and units in its bin. */
  protected readonly below: number[];
  protected readonly ties: number[];
  /** Layers that take part in the current rounds (threshold mode freezes some). */
  protected readonly active: boolean[];
  protected readonly scratch = new Uint32Array(2048);
  protected level = 0;
  protected prefix = 0;
  protected prefixBits = 0;
  protected phase: 'levels' | 'check' | 'done' = 'levels';

  constructor(
    protected readonly units: readonly Float32Array[],
    private readonly target: SelectionTarget,
    protected readonly bounds: UnitBounds,
  ) {
    this.count = units.map((u) => u.length);
    this.hist = units.map(() => new Uint32Array(2048));
    this.below = units.map(() => 0);
    this.ties = units.map(() => 0);
    this.active = units.map(() => true);
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** The length of this round's array. */
  protected roundLength(): number {
    return this.phase === 'levels' ? HEADER + 2 ** DIGITS[this.level] : HEADER;
  }

  /** k over all shards' `total` units. */
  protected resolveK(total: number): number {
    return 'k' in this.target ? Math.min(this.target.k, total) : targetCount(this.target.ratio, total);
  }

  histogram(): Float64Array {
    if (this.phase === 'done') throw new StateError('the selection is done: no more rounds');
    const out = new Float64Array(this.roundLength());
    if (this.phase === 'check') {
      this.checkRound(out);
      return out;
    }
    const bits = DIGITS[this.level];
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const hist = this.hist[j].subarray(0, 2 ** bits);
      hist.fill(0);
      binding.selectHistogram(this.units[j], this.prefix, this.prefixBits, bits, hist);
      this.addLayer(out, j, hist);
    }
    this.finishRound(out);
    return out;
  }

  advance(merged: ArrayLike<number>): void {
    if (this.phase === 'done') throw new StateError('the selection is done: no more rounds');
    if (merged === null || typeof merged !== 'object' || merged.length !== this.roundLength())
      throw new ShapeError(`advance expects the summed Float64Array of this round (${this.roundLength()} numbers)`);
    if (this.phase === 'check') this.advanceCheck(merged);
    else this.advanceLevel(merged);
  }

  tieCounts(): Float64Array {
    if (this.phase !== 'done') throw new StateError('tieCounts: the histogram rounds are not finished');
    return this.tiesOf();
  }

  decisions(start: number): UnitDecision[] {
    if (this.phase !== 'done') throw new StateError('masks: the histogram rounds are not finished');
    return this.decide(start);
  }

  /** Picks bin `c` of the current digit: each active layer's counts below it and in it. */
  protected descend(c: number): void {
    const bits = DIGITS[this.level];
    for (let j = 0; j < this.units.length; j++) {
      if (!this.active[j]) continue;
      const hist = this.hist[j];
      let below = this.below[j];
      for (let b = 0; b < c; b++) below += hist[b];
      this.below[j] = below;
      this.ties[j] = hist[c];
    }
    this.prefix = this.prefix * 2 ** bits + c;
    this.prefixBits += bits;
    this.level++;
  }

  /** Adds layer j's histogram of this round to the round's array. */
  protected abstract addLayer(out: Float64Array, j: number, hist: Uint32Array): void;
  /** Completes the round's array after every layer (threshold mode adds its header). */
  protected finishRound(_out: Float64Array): void {}
  /** Reads a summed histogram round. */
  protected abstract advanceLevel(merged: ArrayLike<number>): void;
  /** The array of a bounds-check round: only threshold mode enters the 'check' phase. */
  protected checkRound(_out: Float64Array): void {
    throw new Error('internal: this selection has no bounds-check round');
  }
  /** Reads a summed bounds-check round (threshold mode). */
  protected advanceCheck(_merged: ArrayLike<number>): void {
    throw new Error('internal: this selection has no bounds-check round');
  }
  protected abstract tiesOf(): Float64Array;
  protected abstract decide(start: number): UnitDecision[];
}
