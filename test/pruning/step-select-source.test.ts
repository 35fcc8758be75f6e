/**
 * INC's step loop over units re-read from a source (lib/pruning/step-select.ts `selectStepFrom`, what
 * `prunekit prune` runs by histogram rounds when the scores do not fit its budget) gives exactly the masks
 * of pruneOneShot's native step (`patternMasks`), in both tie modes, on random layers with many ties, caps
 * (max_sparsity_ratio_per_op) and min ratios that freeze layers.
 */
import { parsePattern } from '../../lib/pruning/patterns';
import { patternMasks } from '../../lib/pruning/pattern-masks';
import { buildMasks, prepareLayers } from '../../lib/pruning/selection';
import { KEEP_ALL, type UnitSource, selectStepFrom } from '../../lib/pruning/step-select';
import { rng } from '../support/random';

const PATTERNS = ['1x1', '2x2', '4x1'];

describe.each(['threshold', 'exact'] as const)('%s mode: the loop over a re-read source = patternMasks', (tieMode) => {
  test.each(Array.from({ length: 60 }, (_, i) => i + 1))('random case %i', (seed) => {
    const next = rng(seed * 7919);
    const pattern = parsePattern(PATTERNS[seed % PATTERNS.length]);
    const reduce = (['mean', 'sum', 'max'] as const)[seed % 3];
    // Few distinct values (many ties, within and across layers), sizes that differ a lot.
    const values = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.round(next() * 8) / 4);
    const layers = Array.from({ length: 2 + Math.floor(next() * 4) }, (_, j) => {
      const rows = 4 * (1 + Math.floor(next() * 6));
      const cols = 4 * (1 + Math.floor(next() * 6));
      const scores = new Float32Array(rows * cols).map(() => values[Math.floor(next() * values.length)]);
      return { name: `l${j}`, shape: [rows, cols], scores };
    });
    const ratio = Math.round(next() * 100) / 100;
    const max = Math.min(1, ratio + Math.round(next() * 40) / 100 - 0.1);
    const min = Math.round(next() * Math.max(0, max) * 100) / 100;
    const options = { pattern, reduce, scope: 'global' as const, tie_mode: tieMode, ratio };
    const bounds = { max_sparsity_ratio_per_op: Math.max(0, max), min_sparsity_ratio_per_op: min };
    const expected = patternMasks(layers, { ...options, ...bounds }).masks;

    const prepared = prepareLayers(layers, pattern, reduce);
    let reads = 0;
    const source: UnitSource = {
      sizes: prepared.map((l) => l.units.length),
      // A fresh copy each read, as a re-read checkpoint gives.
      withUnits: (j, use) => {
        reads++;
        return use(prepared[j].units.slice());
      },
    };
    const step = selectStepFrom(
      source,
      layers.map(() => 0),
      {
        exact: tieMode === 'exact',
        ratio,
        maxRatio: bounds.max_sparsity_ratio_per_op,
        minRatio: min,
        targetRatio: ratio,
      },
    );
    const cuts = step.unchanged ? layers.map(() => KEEP_ALL) : step.cuts;
    const { masks } = buildMasks(prepared, pattern, tieMode === 'exact', cuts, undefined);
    for (const l of layers) expect([l.name, Array.from(masks[l.name])]).toEqual([l.name, Array.from(expected[l.name])]);
    if (!step.unchanged) expect(reads).toBeGreaterThanOrEqual(3);
  });
});
