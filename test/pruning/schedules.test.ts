import { ArgumentError } from '../../lib/errors';
import { parseDecayType, PruningSchedule, scheduledSparsity, SPARSITY_DECAY_TYPES } from '../../lib/pruning/schedules';

describe('scheduledSparsity', () => {
  it('exp, S = 0.9, T = 5: 0, .369, .602, .749, .842, .9', () => {
    const got = [0, 1, 2, 3, 4, 5].map((t) => scheduledSparsity('exp', 0.9, t, 5));
    const want = [0, 0.369, 0.602, 0.749, 0.842, 0.9];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 3));
    expect(got[5]).toBeLessThanOrEqual(0.9);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
  });

  it('exp uses the per-step factor first, as the reference: 1 - (1 - S0) * (((1 - S) / (1 - S0)) ** (1 / T)) ** t', () => {
    const S = 0.8;
    const S0 = 0.1;
    const r = ((1 - S) / (1 - S0)) ** (1 / 7);
    for (let t = 0; t <= 7; t++) expect(scheduledSparsity('exp', S, t, 7, S0)).toBe(Math.min(S, 1 - (1 - S0) * r ** t));
    expect(scheduledSparsity('exp', S, 0, 7, S0)).toBeCloseTo(S0, 15);
  });

  it('cos, linear, cube', () => {
    const S = 0.8;
    expect(scheduledSparsity('cos', S, 0, 4)).toBe(0);
    expect(scheduledSparsity('cos', S, 2, 4)).toBeCloseTo(0.8 * (1 - Math.cos(Math.PI / 4)), 15);
    expect(scheduledSparsity('cos', S, 4, 4)).toBeCloseTo(0.8, 15);
    expect(scheduledSparsity('linear', S, 1, 4)).toBeCloseTo(0.2, 15);
    expect(scheduledSparsity('linear', S, 3, 4, 0.4)).toBeCloseTo(0.7, 15);
    expect(scheduledSparsity('cube', S, 2, 4)).toBeCloseTo(0.1, 15);
    expect(scheduledSparsity('cube', S, 4, 4, 0.2)).toBeCloseTo(0.8, 15);
  });

  it('aims at min(target, max_sparsity_ratio_per_op) and never returns more than the target', () => {
    expect(scheduledSparsity('linear', 0.99, 5, 5)).toBeCloseTo(0.98, 15);
    expect(scheduledSparsity('linear', 0.99, 5, 5, 0, 1)).toBe(0.99);
    for (const d of SPARSITY_DECAY_TYPES) {
      for (let t = 0; t <= 10; t++) expect(scheduledSparsity(d, 0.3, t, 10)).toBeLessThanOrEqual(0.3);
    }
  });

  it('rejects bad arguments', () => {
    expect(() => scheduledSparsity('step' as 'exp', 0.5, 1, 2)).toThrow(
      'unknown sparsity_decay_type "step": accepted names are "exp", "cos", "linear", "cube"',
    );
    expect(() => scheduledSparsity('exp', 1.5, 1, 2)).toThrow(/target_sparsity must be a finite number in \[0, 1\]/);
    expect(() => scheduledSparsity('exp', 0.5, 1, 0)).toThrow(/total prune steps must be a positive integer/);
    expect(() => scheduledSparsity('exp', 0.5, -1, 2)).toThrow(/current prune step must be a non-negative integer/);
    expect(() => scheduledSparsity('exp', 0.5, 1, 2, 1)).toThrow(/initial sparsity must be below 1/);
  });
});

describe('parseDecayType', () => {
  it('defaults to exp and lists the names for an unknown one', () => {
    expect(parseDecayType(undefined)).toBe('exp');
    expect(parseDecayType('cube')).toBe('cube');
    expect(() => parseDecayType('Exp')).toThrow(/accepted names are "exp", "cos", "linear", "cube"/);
    expect(() => parseDecayType(3)).toThrow(/unknown sparsity_decay_type 3/);
  });
});

describe('PruningSchedule (reference step arithmetic)', () => {
  it('iterative: pruning steps are start + i * frequency up to end, t = i, T = (end - start) // frequency', () => {
    const s = new PruningSchedule({ start_step: 10, end_step: 20, pruning_frequency: 2, target_sparsity: 0.9 });
    expect(s.oneShot).toBe(false);
    expect(s.totalPruneSteps).toBe(5);
    const steps = s.steps();
    expect(steps.map((x) => x.step)).toEqual([10, 12, 14, 16, 18, 20]);
    expect(steps.map((x) => x.pruneIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    const want = [0, 0.369, 0.602, 0.749, 0.842, 0.9];
    steps.forEach((x, i) => expect(x.ratio).toBeCloseTo(want[i], 3));
    expect(s.isPruningStep(9)).toBe(false);
    expect(s.isPruningStep(11)).toBe(false);
    expect(s.isPruningStep(22)).toBe(false);
    expect(s.ratioAt(13)).toBeUndefined();
    expect(s.ratioAt(16)).toBeCloseTo(0.749, 3);
  });

  it('end not on the frequency grid: the last pruning step is before end, T = floor', () => {
    const s = new PruningSchedule({
      start_step: 0,
      end_step: 7,
      pruning_frequency: 3,
      sparsity_decay_type: 'linear',
      target_sparsity: 0.6,
    });
    expect(s.totalPruneSteps).toBe(2);
    expect(s.steps()).toEqual([
      { step: 0, pruneIndex: 0, ratio: 0 },
      { step: 3, pruneIndex: 1, ratio: 0.3 },
      { step: 6, pruneIndex: 2, ratio: 0.6 },
    ]);
  });

  it('one-shot when start == end: one pruning step with the target itself (not capped)', () => {
    const s = new PruningSchedule({ start_step: 5, end_step: 5, target_sparsity: 0.99 });
    expect(s.oneShot).toBe(true);
    expect(s.totalPruneSteps).toBe(1);
    expect(s.steps()).toEqual([{ step: 5, pruneIndex: 1, ratio: 0.99 }]);
    expect(s.isPruningStep(4)).toBe(false);
    expect(s.isPruningStep(6)).toBe(false);
  });

  it('end - start < frequency: iterative with T = 1, one pruning step at start reaching S', () => {
    const s = new PruningSchedule({ start_step: 0, end_step: 2, pruning_frequency: 5, target_sparsity: 0.99 });
    expect(s.oneShot).toBe(false);
    expect(s.steps()).toEqual([{ step: 0, pruneIndex: 1, ratio: expect.closeTo(0.98, 12) }]);
  });

  it('defaults are the reference config: start 0, end 0 (one-shot), frequency 1, target 0.9, exp', () => {
    const s = new PruningSchedule();
    expect([s.startStep, s.endStep, s.frequency, s.targetSparsity, s.decay, s.maxRatioPerOp]).toEqual([
      0,
      0,
      1,
      0.9,
      'exp',
      0.98,
    ]);
    expect(s.steps()).toEqual([{ step: 0, pruneIndex: 1, ratio: 0.9 }]);
  });

  it('the initial sparsity moves the start of the curve', () => {
    const s = new PruningSchedule({ start_step: 0, end_step: 4, sparsity_decay_type: 'linear', target_sparsity: 0.8 });
    expect(s.steps(0.4).map((x) => x.ratio)).toEqual([0.4, 0.5, 0.6, 0.7, 0.8].map((v) => expect.closeTo(v, 12)));
  });

  it('rejects bad configs with clear errors', () => {
    expect(() => new PruningSchedule({ start_step: 10, end_step: 5 })).toThrow(
      'end_step (5) must not be before start_step (10)',
    );
    expect(() => new PruningSchedule({ start_step: -1, end_step: 5 })).toThrow(
      'start_step must be a non-negative integer, got -1',
    );
    expect(() => new PruningSchedule({ end_step: 2.5 })).toThrow('end_step must be a non-negative integer, got 2.5');
    expect(() => new PruningSchedule({ end_step: 4, pruning_frequency: 0 })).toThrow(
      'pruning_frequency must be a positive integer, got 0',
    );
    expect(() => new PruningSchedule({ end_step: '4' as unknown as number })).toThrow(
      'end_step must be a non-negative integer, got "4"',
    );
    expect(() => new PruningSchedule({ sparsity_decay_type: 'step' })).toThrow(/unknown sparsity_decay_type "step"/);
    expect(() => new PruningSchedule({ target_sparsity: 1.2 })).toThrow(ArgumentError);
    expect(() => new PruningSchedule({ max_sparsity_ratio_per_op: -0.5 })).toThrow(/max_sparsity_ratio_per_op/);
  });
});
