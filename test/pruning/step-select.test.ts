/**
 * The step selection's INC behaviours on hand-computed cases (the INC reference runs cover them at scale:
 * inc-reference.test.ts).
 */
import { Pruning, pruneOneShot } from '../../lib/pruning';
import { adjustRatio } from '../../lib/pruning/step-select';
import { correctlyRoundedPow } from '../../lib/pruning/pow';
import { scheduledSparsity } from '../../lib/pruning/schedules';

const bits = (m: Uint8Array) => [...m].join('');

describe('N:M below N/M', () => {
  // Groups of [2, 8]: candidates (the 2 smallest) 1,2 | 5,6 | 9,10 | 0.5,0.6; reduced (mean over 4):
  // 0.75, 2.75, 4.75, 0.275; k = int(4 groups * 0.25 * 4 / 2) = 2: groups 3 and 0 become 2:4-sparse.
  const weight = () => new Float32Array([1, 2, 30, 40, 5, 6, 7, 8, 9, 10, 11, 12, 0.5, 0.6, 70, 80]);
  test.each(['threshold', 'exact'] as const)('ranks groups by the weights it would prune (%s)', (tie_mode) => {
    const modules = { fc: { weight: weight(), shape: [2, 8] } };
    const { masks } = pruneOneShot(modules, { sparsity: 0.25, pattern: '2:4', criterion: 'magnitude', tie_mode });
    expect(bits(masks.fc)).toBe('0011111111110011');
  });
});

describe('min_sparsity_ratio_per_op is no floor', () => {
  test('step 0 of an iterative run (ratio 0) prunes nothing, whatever the min', () => {
    const modules = {
      a: { weight: new Float32Array(64).map((_, i) => i + 1), shape: [8, 8] },
      b: { weight: new Float32Array(64).map((_, i) => i + 100), shape: [8, 8] },
    };
    const pruning = new Pruning(
      {
        pruning_type: 'magnitude',
        pattern: '1x1',
        target_sparsity: 0.5,
        min_sparsity_ratio_per_op: 0.25,
        start_step: 0,
        end_step: 4,
        pruning_frequency: 2,
      },
      modules,
      { warn: () => {} },
    );
    pruning.onTrainBegin();
    pruning.onStepBegin();
    expect(pruning.sparsity().pruned).toBe(0);
  });

  test("adjust_ratio shrinks a proposal that overspends the target's budget", () => {
    // Layers of 10 units: layer 0 proposes 9 zeros, layer 1 has 0 (below the min 0.2); target 0.5:
    // gap = int(10 * 0.2) - 0 = 2, remaining = int(20 * 0.5) - 9 = 1, so 9 - (2 - 1) = 8 zeros: 0.8.
    expect(adjustRatio(0, 9, [0, 0], [10, 10], { maxRatio: 0.98, minRatio: 0.2, targetRatio: 0.5 })).toBe(0.8);
    // No layer above the target: nothing to adjust.
    expect(adjustRatio(0, 5, [0, 0], [10, 10], { maxRatio: 0.98, minRatio: 0.2, targetRatio: 0.5 })).toBeNull();
    // Above the cap: capped.
    expect(adjustRatio(0, 10, [0, 0], [10, 10], { maxRatio: 0.9, minRatio: 0, targetRatio: 0.95 })).toBe(0.9);
  });
});

describe('the exp schedule ratio: correctly rounded pow', () => {
  test('values CPython (glibc pow) gives', () => {
    expect(correctlyRoundedPow(0.25, 0.25)).toBe(0.7071067811865476);
    expect(0.25 ** 0.25).toBe(0.7071067811865475); // V8's own, one ulp off
    expect(scheduledSparsity('exp', 0.75, 2, 4)).toBe(0.4999999999999999);
    expect(correctlyRoundedPow(2, 10)).toBe(1024);
    expect(correctlyRoundedPow(0.5, 3)).toBe(0.125);
    expect(correctlyRoundedPow(0.81, 0.5)).toBe(0.9);
  });
});
