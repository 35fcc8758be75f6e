// lib/bench/selection.ts on a small size: one row per instruction set (and a one-thread row when the pool
// has more), finite figures, and a JS baseline that selects what the native path selects.
import { benchLayers, benchSelection, jsEmit, jsThreshold, SELECTION_RATIO } from '../../lib/bench/selection';
import { computeMasks } from '../../lib/pruning/masks';
import { targetCount } from '../../lib/pruning/target';
import { simdInfo } from '../../lib/simd';
import { threads } from '../../lib/threads';

test('benchSelection returns a row per instruction set, prints nothing', () => {
  const log = jest.spyOn(console, 'log');
  const rows = benchSelection([1 << 16], 1);
  expect(log).not.toHaveBeenCalled();
  log.mockRestore();
  expect(rows.length).toBe(simdInfo().supported.length + (threads() > 1 ? 1 : 0));
  for (const row of rows) {
    expect(row.scores).toBe(1 << 16);
    for (const v of [row.selectNs, row.emitNs, row.totalNs, row.jsSelectNs, row.jsEmitNs])
      expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(row.selectSpeedup).toBeCloseTo(row.jsSelectNs / row.selectNs);
  }
});

test('the JS baseline prunes what threshold mode prunes', () => {
  const layers = benchLayers(1 << 16, 8, 3);
  const threshold = jsThreshold(layers, targetCount(SELECTION_RATIO, 1 << 16));
  const js: Record<string, Uint8Array> = Object.fromEntries(
    layers.map((l) => [l.name, new Uint8Array(l.scores.length)]),
  );
  jsEmit(layers, threshold, js);
  const native = computeMasks(layers, {
    pattern: '1x1',
    ratio: SELECTION_RATIO,
    tie_mode: 'threshold',
    max_sparsity_ratio_per_op: 1,
  }).masks;
  for (const l of layers) expect(Buffer.from(js[l.name]).equals(Buffer.from(native[l.name]))).toBe(true);
});

describe('the step benchmark', () => {
  it('times the mask update of 4x1 at 0.9 and 2:4 over BERT-base shapes (one layer here)', () => {
    const { benchStep, bertStepLayers } =
      require('../../lib/bench/selection') as typeof import('../../lib/bench/selection');
    expect(bertStepLayers(1).map((l) => l.shape)).toEqual([
      [768, 768],
      [768, 768],
      [768, 768],
      [768, 768],
      [3072, 768],
      [768, 3072],
    ]);
    const rows = benchStep(1, 1);
    expect(rows.filter((r) => r.threads === 1).map((r) => [r.pattern, r.ratio, r.weights, r.work])).toEqual([
      ['4x1', 0.9, 7077888, 'masks'],
      ['4x1', 0.9, 7077888, 'masks+apply'],
      ['2:4', 0.5, 7077888, 'masks'],
      ['2:4', 0.5, 7077888, 'masks+apply'],
      ['2:4', 0.3, 7077888, 'masks'],
      ['2:4', 0.3, 7077888, 'masks+apply'],
    ]);
    for (const r of rows) expect(r.ms).toBeGreaterThan(0);
  });

  it.each(['sync', 'async'] as const)(
    'measures the event loop during an async step, %s after-step hook (one layer)',
    async (afterStep) => {
      const { benchEventLoop } = require('../../lib/bench/event-loop') as typeof import('../../lib/bench/event-loop');
      const row = await benchEventLoop(1, 2, afterStep);
      expect([row.weights, row.afterStep]).toEqual([7077888, afterStep]);
      for (const v of [row.hookMs, row.syncHookMs]) expect(v).toBeGreaterThan(0);
      // the CPU of a callback cannot exceed its wall time (both measured around the same callback)
      expect(row.longestCpuMs).toBeLessThanOrEqual(row.longestBlockMs + 0.05);
      expect(row.longestGcMs).toBeGreaterThanOrEqual(0);
    },
  );
});
