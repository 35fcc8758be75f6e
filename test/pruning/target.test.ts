import { ArgumentError } from '../../lib/errors';
import { targetCount, validateRatio } from '../../lib/pruning/target';

describe('targetCount', () => {
  it.each([
    [0.29, 100, 29],
    [0.57, 100, 57],
    [0.1, 10, 1],
    [1 / 3, 3, 1],
    [0, 100, 0],
    [1, 100, 100],
    [0.5, 7, 3],
    [0.9, 10, 9],
    [0.7, 10, 7],
    [0.37, 2304, 852],
    [0.98, 4, 3],
    [0.98, 100, 98],
    [1e-7, 10_000_000, 1],
    [1e-7, 9_999_999, 0],
    [0.5, 0, 0],
    [2 / 3, 3, 2],
  ])('targetCount(%p, %p) = %p', (ratio, count, expected) => {
    expect(targetCount(ratio, count)).toBe(expected);
  });

  it('the binary artifacts it exists for are real', () => {
    expect(Math.floor(0.29 * 100)).toBe(28);
    expect(Math.floor(0.57 * 100)).toBe(56);
  });

  it('equals floor(decimal * count) for every two-digit ratio and count up to 1000, never below the float product', () => {
    const wrong: string[] = [];
    let artifacts = 0;
    for (let p = 0; p <= 100; p++) {
      const ratio = p / 100;
      for (let count = 0; count <= 1000; count++) {
        const k = targetCount(ratio, count);
        // exact: integer arithmetic on the decimal the user wrote
        if (k !== Math.floor((p * count) / 100) || k < Math.floor(ratio * count))
          wrong.push(`${ratio} * ${count} -> ${k}`);
        if (k !== Math.floor(ratio * count)) artifacts++;
      }
    }
    expect(wrong).toEqual([]);
    expect(artifacts).toBeGreaterThan(0); // the float product alone loses one 49 times in this sweep
  });

  it('handles large counts exactly', () => {
    expect(targetCount(0.29, 2 ** 40)).toBe(Number((29n * 2n ** 40n) / 100n));
    expect(targetCount(1, Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects ratios that are not finite numbers in [0, 1]', () => {
    for (const bad of [NaN, Infinity, -Infinity, -0.1, 1.0000001, 2]) {
      expect(() => targetCount(bad, 10)).toThrow(ArgumentError);
    }
    expect(() => targetCount('0.5' as unknown as number, 10)).toThrow(
      /ratio must be a finite number in \[0, 1\], got "0.5"/,
    );
    expect(() => targetCount(1.5, 10)).toThrow(/got 1.5/);
  });

  it('rejects counts that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(() => targetCount(0.5, bad)).toThrow(ArgumentError);
    }
  });
});

describe('validateRatio', () => {
  it('returns the ratio, -0 as 0, and names the setting in errors', () => {
    expect(validateRatio(0.25)).toBe(0.25);
    expect(Object.is(validateRatio(-0), 0)).toBe(true);
    expect(() => validateRatio(null, 'target_sparsity')).toThrow(
      /target_sparsity must be a finite number in \[0, 1\], got null/,
    );
  });
});
