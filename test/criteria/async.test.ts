// The async hooks: same scores as the sync ones, the event loop keeps running, detached buffers reject,
// overlapping calls are refused.
import { getCriterion, NonFiniteError, PruningCriterion, type Modules } from '../../lib';
import { bitReport, step } from '../support/float32-oracle';

function modules(n: number, layers = 1): Modules {
  const out: Modules = {};
  for (let l = 0; l < layers; l++) {
    const weight = new Float32Array(n).map((_, i) => ((i * 7919 + l) % 1000) / 250 - 2);
    const grad = new Float32Array(n).map((_, i) => ((i * 104729 + l) % 1000) / 500 - 1);
    out[`layer${l}`] = { weight, grad };
  }
  return out;
}

test.each(['magnitude', 'gradient', 'snip', 'snip_momentum'] as const)(
  '%s: the async hook gives the sync scores',
  async (type) => {
    const m = modules(10_000, 3);
    const c = getCriterion({ criterion_type: type }, m);
    await c.onStepBeginAsync();
    await c.onBeforeOptimizerStepAsync();
    await c.onAfterOptimizerStepAsync();
    for (const [name, { weight, grad }] of Object.entries(m)) {
      const want = step(type, weight, grad!, new Float32Array(weight.length), 0.9, 1);
      expect(bitReport(c.scores[name], want)).toBe('identical');
    }
  },
);

test('the event loop keeps ticking during a large async scoring call', async () => {
  const c = getCriterion({ criterion_type: 'snip_momentum' }, modules(8_000_000, 4));
  let ticks = 0;
  let running = true;
  const tick = () => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = Date.now();
  await c.onBeforeOptimizerStepAsync();
  running = false;
  const elapsed = Date.now() - t0;
  expect(ticks).toBeGreaterThan(0);
  expect(c.scores.layer3[12345]).not.toBe(0);
  // Not a timing assertion: a record of how much the loop ran while 32M weights were scored.
  console.log(`async snip_momentum over 32M weights: ${elapsed} ms, ${ticks} event-loop turns meanwhile`);
}, 60_000); // 32M weights allocated and scored: seconds on a loaded 2-core machine, never a timing assertion

test('a grad transferred while the call is in flight is copied, not moved: the call completes on live memory', async () => {
  const m = modules(4_000_000, 2);
  const c = getCriterion({ criterion_type: 'snip' }, m);
  const pending = c.onBeforeOptimizerStepAsync();
  // The binding marks an async call's buffers untransferable (docs/reliability.md): transfer copies them.
  const kept = structuredClone(m.layer1.grad!.buffer as ArrayBuffer, {
    transfer: [m.layer1.grad!.buffer as ArrayBuffer],
  });
  await pending;
  expect(kept.byteLength).toBe(16_000_000);
  expect(m.layer1.grad!.length).toBe(4_000_000);
  expect(c.scores.layer1[3]).toBe(Math.abs(Math.fround(m.layer1.weight[3] * m.layer1.grad![3])));
});

test('a detached buffer at call time is refused before any work starts', async () => {
  const m = modules(100);
  const c = getCriterion({ criterion_type: 'magnitude' }, m);
  structuredClone(m.layer0.weight.buffer as ArrayBuffer, { transfer: [m.layer0.weight.buffer as ArrayBuffer] });
  await expect(c.onStepBeginAsync()).rejects.toThrow(
    'module "layer0": weight is empty, its ArrayBuffer detached or transferred',
  );
});

test('a second call while one is in flight is refused with a clear error; the first completes', async () => {
  const m = modules(2_000_000, 2);
  const c = getCriterion({ criterion_type: 'snip_momentum' }, m);
  const first = c.onBeforeOptimizerStepAsync();
  await expect(c.onBeforeOptimizerStepAsync()).rejects.toThrow(
    'snip_momentum.onBeforeOptimizerStep: the onBeforeOptimizerStepAsync() call of this criterion is still in flight; await it first',
  );
  expect(() => c.onBeforeOptimizerStep()).toThrow('still in flight');
  await first;
  const want = step('snip_momentum', m.layer0.weight, m.layer0.grad!, new Float32Array(2_000_000), 0.9, 1);
  expect(bitReport(c.scores.layer0, want)).toBe('identical');
  await c.onBeforeOptimizerStepAsync(); // free again
}, 60_000);

test('"error" rejects with a NonFiniteError and writes nothing', async () => {
  const m = modules(1000, 2);
  m.layer1.grad![10] = Infinity;
  const c = getCriterion({ criterion_type: 'gradient', on_non_finite: 'error' }, m);
  await expect(c.onBeforeOptimizerStepAsync()).rejects.toBeInstanceOf(NonFiniteError);
  expect(c.scores.layer0.every((x) => x === 0)).toBe(true);
});

test('the base class async hooks run the sync hooks', async () => {
  const calls: string[] = [];
  class Recording extends PruningCriterion {
    override onStepBegin() {
      calls.push('begin');
    }
    override onBeforeOptimizerStep() {
      calls.push('before');
    }
    override onAfterOptimizerStep() {
      calls.push('after');
    }
  }
  const c = new Recording(modules(4), { criterion_type: 'recording' });
  await c.onStepBeginAsync();
  await c.onBeforeOptimizerStepAsync();
  await c.onAfterOptimizerStepAsync();
  expect(calls).toEqual(['begin', 'before', 'after']);
});
