/**
 * The async after-step hook (Pruning.onAfterOptimizerStepAsync, binding maskApplyAllAsync): every layer's
 * masks applied on a worker thread in one call. Held to the sync hook bit for bit (weights, masks, sparsity)
 * over whole runs, to a scalar oracle (w = keep ? w : +0) on hand-made values, and to the memory rules of the
 * other async calls (arrays untransferable while in flight, resizable buffers and overlapping outputs refused).
 */
import { binding } from '../../lib/native';
import { applyMasksAsync } from '../../lib/pruning/native-step';
import { Pruning } from '../../lib/pruning/pruning';
import type { Modules } from '../../lib';
import { rng } from '../support/random';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('maskApplyAllAsync', () => {
  test('zeroes where the mask prunes, every layer, grads too: w = keep ? w : +0 (scalar oracle)', async () => {
    const next = rng(7);
    const special = [-0, NaN, Infinity, -Infinity, -1.5, 3e-45];
    const layers = [37, 1, 1000, 64].map((n, j) => {
      const weight = new Float32Array(n).map((_, i) => (i < special.length ? special[i] : next() - 0.5));
      const grad = j % 2 === 0 ? new Float32Array(n).map(() => next() - 0.5) : null;
      const keep = new Uint8Array(n).map(() => (next() < 0.4 ? 0 : 1));
      return { weight, keep, grad };
    });
    const want = layers.map(({ weight, keep, grad }) => ({
      weight: weight.map((v, i) => (keep[i] ? v : 0)),
      grad: grad?.map((v, i) => (keep[i] ? v : 0)) ?? null,
    }));
    await applyMasksAsync(layers);
    layers.forEach((l, j) => {
      expect(bits(l.weight)).toEqual(bits(want[j].weight));
      if (l.grad) expect(bits(l.grad)).toEqual(bits(want[j].grad!));
    });
  });

  test('a transfer of a buffer in flight copies it; a resizable buffer is refused', async () => {
    const weight = new Float32Array(64).fill(1);
    const keep = new Uint8Array(64);
    const pending = applyMasksAsync([{ weight, keep }]);
    const buffer = weight.buffer as ArrayBuffer;
    const copy = structuredClone(buffer, { transfer: [buffer] });
    expect(weight.byteLength).toBe(256); // not detached: marked untransferable
    expect(copy.byteLength).toBe(256);
    await pending;
    expect(Array.from(weight)).toEqual(new Array(64).fill(0));
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    let resizable: ArrayBuffer;
    try {
      resizable = new Resizable(256, { maxByteLength: 512 });
    } catch {
      return; // this Node has no resizable ArrayBuffer
    }
    if (!(resizable as unknown as { resizable: boolean }).resizable) return;
    expect(() =>
      binding.maskApplyAllAsync([new Float32Array(64), new Uint8Array(64), new Float32Array(resizable)]),
    ).toThrow('arrays[2] (grad of layer 0) is backed by a resizable ArrayBuffer');
  });

  test('refuses overlapping outputs, wrong lengths and missing arrays before anything is written', () => {
    const shared = new Float32Array(8).fill(1);
    const keep = new Uint8Array(4);
    expect(() =>
      binding.maskApplyAllAsync([shared.subarray(0, 4), keep, null, shared.subarray(2, 6), keep.slice(), null]),
    ).toThrow('arrays[3] (weight of layer 1) overlaps arrays[0] (weight of layer 0): an output of maskApplyAllAsync');
    expect(() => binding.maskApplyAllAsync([shared, new Uint8Array(7), null])).toThrow(/keep/);
    expect(() => binding.maskApplyAllAsync([shared, null, null])).toThrow(
      'arrays[1] (keep of layer 0) must be a typed array, got null',
    );
    expect(() => binding.maskApplyAllAsync([shared, keep])).toThrow(/3 entries per layer/);
    expect(Array.from(shared)).toEqual(new Array(8).fill(1));
  });
});

/** Two pruners (4x1 magnitude over two layers, pattern_lock over a third with zeros) on random weights. */
function model(seed: number): Modules {
  const next = rng(seed);
  const make = (rows: number, cols: number, zeros = 0) => {
    const weight = new Float32Array(rows * cols).map(() => next() - 0.5);
    for (let i = 0; i < weight.length; i += 1 + Math.floor(next() * 4)) if (zeros && next() < zeros) weight[i] = 0;
    return { weight, grad: new Float32Array(rows * cols), shape: [rows, cols] };
  };
  return { fc1: make(16, 24), fc2: make(32, 8), locked: make(8, 8, 0.5) };
}

const config = {
  pruning_configs: [
    { op_names: ['fc'], pattern: '4x1', pruning_type: 'snip_momentum', target_sparsity: 0.75 },
    { op_names: ['locked'], pattern: '1x1', pruning_type: 'pattern_lock' },
  ],
  start_step: 1,
  end_step: 7,
  pruning_frequency: 2,
};

async function run(hooks: 'sync' | 'async'): Promise<{ modules: Modules; pruning: Pruning; sparsity: number[] }> {
  const modules = model(3);
  const pruning = new Pruning(config, modules, { warn: () => {}, maskGrads: true });
  const next = rng(99);
  const sparsity: number[] = [];
  pruning.onTrainBegin();
  for (let step = 0; step < 10; step++) {
    if (hooks === 'async') await pruning.onStepBeginAsync();
    else pruning.onStepBegin();
    for (const m of Object.values(modules)) for (let i = 0; i < m.grad!.length; i++) m.grad![i] = next() - 0.5;
    if (hooks === 'async') await pruning.onBeforeOptimizerStepAsync();
    else pruning.onBeforeOptimizerStep();
    for (const m of Object.values(modules)) for (let i = 0; i < m.weight.length; i++) m.weight[i] -= 0.1 * m.grad![i];
    if (hooks === 'async') await pruning.onAfterOptimizerStepAsync();
    else pruning.onAfterOptimizerStep();
    pruning.onStepEnd();
    sparsity.push(pruning.sparsity().elementSparsity);
  }
  return { modules, pruning, sparsity };
}

describe('Pruning.onAfterOptimizerStepAsync', () => {
  test('a whole run through the async hooks equals the sync run bit for bit (weights, masks, sparsity, step)', async () => {
    const [sync, async] = [await run('sync'), await run('async')];
    for (const name of Object.keys(sync.modules))
      expect(bits(async.modules[name].weight)).toEqual(bits(sync.modules[name].weight));
    expect(async.pruning.masks).toEqual(sync.pruning.masks);
    expect(async.sparsity).toEqual(sync.sparsity);
    expect(async.pruning.step).toBe(10);
    expect(sync.sparsity[9]).toBeGreaterThan(0.5); // the run pruned: the comparison is not of untouched weights
  });

  test('no other hook may run while it is in flight; the step counts once it settles', async () => {
    const modules = model(5);
    const pruning = new Pruning(config, modules, { warn: () => {} });
    pruning.onTrainBegin();
    await pruning.onStepBeginAsync();
    const pending = pruning.onAfterOptimizerStepAsync();
    const busy = 'Pruning.onAfterOptimizerStepAsync() is still in flight; await it first';
    expect(() => pruning.onAfterOptimizerStep()).toThrow(`Pruning.onAfterOptimizerStep: ${busy}`);
    expect(() => pruning.onStepEnd()).toThrow(`Pruning.onStepEnd: ${busy}`);
    await expect(pruning.onAfterOptimizerStepAsync()).rejects.toThrow(`Pruning.onAfterOptimizerStepAsync: ${busy}`);
    await pending;
    expect(pruning.step).toBe(1);
    expect(() => pruning.onAfterOptimizerStep()).toThrow(/called after onAfterOptimizerStep/);
    pruning.onStepEnd();
  });
});
