// The Pruning driver through the training-loop hooks, on synthetic models.
import { Pruning } from '../../lib/pruning/pruning';
import { sparsityReport } from '../../lib/pruning/sparsity';
import { parsePattern, toViewOrder } from '../../lib/pruning/patterns';
import { scheduledSparsity } from '../../lib/pruning/schedules';
import type { Modules } from '../../lib';

function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** fc1 [64, 32], fc2 [32, 64], a conv [8, 4, 3, 3] (viewed as [8, 36]), and a bias no pattern divides. */
function threeLayerModel(seed = 1): Modules {
  const next = random(seed);
  const make = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { weight: Float32Array.from({ length: n }, next), grad: new Float32Array(n), shape };
  };
  return { fc1: make([64, 32]), fc2: make([32, 64]), conv: make([8, 4, 3, 3]), 'fc1.bias': make([64]) };
}

/** One step of training with random grads and plain SGD, checking pruned weights stay zero. */
function trainStep(pruning: Pruning, modules: Modules, next: () => number): void {
  pruning.onStepBegin();
  for (const m of Object.values(modules)) for (let i = 0; i < m.grad!.length; i++) m.grad![i] = next();
  pruning.onBeforeOptimizerStep();
  for (const m of Object.values(modules)) for (let i = 0; i < m.weight.length; i++) m.weight[i] -= 0.01 * m.grad![i];
  pruning.onAfterOptimizerStep();
  for (const [name, keep] of Object.entries(pruning.masks))
    keep.forEach((k, i) => {
      if (!k && modules[name].weight[i] !== 0)
        throw new Error(`${name}[${i}] is pruned but ${modules[name].weight[i]}`);
    });
  pruning.onStepEnd();
}

test('4x1 to 90%: sparsity follows the exp schedule exactly (whole blocks) and pruned weights stay zero', () => {
  const modules = threeLayerModel();
  const warnings: string[] = [];
  const pruning = new Pruning(
    {
      target_sparsity: 0.9,
      pattern: '4x1',
      pruning_type: 'snip_momentum',
      start_step: 0,
      end_step: 10,
      pruning_frequency: 2,
    },
    modules,
    { warn: (w) => warnings.push(w) },
  );
  expect(Object.keys(pruning.skipped)).toEqual(['fc1.bias']);
  expect(warnings).toEqual([expect.stringContaining('skipping fc1.bias')]);
  const next = random(9);
  const blocks = (64 * 32 + 32 * 64 + 8 * 36) / 4;
  pruning.onTrainBegin();
  for (let step = 0; step <= 14; step++) {
    trainStep(pruning, modules, next);
    // After a pruning step t = step/2, exactly floor(ratio * blocks) blocks are pruned.
    const t = Math.min(5, Math.floor(step / 2));
    const ratio = scheduledSparsity('exp', 0.9, t, 5);
    const report = pruning.sparsity();
    expect([step, report.pruned]).toEqual([step, Math.floor(ratio * blocks + 1e-9) * 4]);
    expect(report.blockSparsity).toBeCloseTo(report.elementSparsity, 12);
  }
  expect(pruning.sparsity().elementSparsity).toBeCloseTo(0.9, 2);
  expect(pruning.step).toBe(15);
});

test('2:4 to 50%: every group of four ends with exactly two pruned, half the groups at 25%', () => {
  const modules = threeLayerModel(2);
  delete (modules as Record<string, unknown>)['fc1.bias'];
  const pruning = new Pruning(
    {
      target_sparsity: 0.5,
      pattern: '2:4',
      pruning_type: 'magnitude',
      start_step: 0,
      end_step: 4,
      pruning_frequency: 2,
      sparsity_decay_type: 'linear',
    },
    modules,
    { warn: () => {} },
  );
  const next = random(3);
  trainStep(pruning, modules, next); // step 0: t = 0, ratio 0
  expect(pruning.sparsity().pruned).toBe(0);
  trainStep(pruning, modules, next);
  trainStep(pruning, modules, next); // step 2: t = 1 of 2, ratio 0.25: half the groups are 2:4
  const half = pruning.sparsity();
  expect(half.elementSparsity).toBeCloseTo(0.25, 10);
  for (let s = 3; s <= 6; s++) trainStep(pruning, modules, next);
  const report = pruning.sparsity();
  expect(report.elementSparsity).toBe(0.5);
  expect(report.blockSparsity).toBe(0.5);
  // Groups run along the input axis of the 2-D view (for the conv: kh*kw*cin).
  for (const [name, keep] of Object.entries(pruning.masks)) {
    const view = toViewOrder(keep, modules[name].shape as number[]);
    for (let g = 0; g < view.length; g += 4) expect(view.subarray(g, g + 4).reduce((a, b) => a + b, 0)).toBe(2);
  }
});

test('a layer that would pass the cap is frozen at it; the others take the rest', () => {
  const modules = threeLayerModel(4);
  delete (modules as Record<string, unknown>)['fc1.bias'];
  modules.fc2.weight.forEach((_, i, w) => (w[i] *= 1e-3)); // fc2 alone would be pruned first
  const pruning = new Pruning(
    {
      target_sparsity: 0.6,
      pattern: '1x1',
      pruning_type: 'magnitude',
      start_step: 0,
      end_step: 0,
      max_sparsity_ratio_per_op: 0.7,
    },
    modules,
  );
  const next = random(5);
  for (let s = 0; s < 3; s++) trainStep(pruning, modules, next);
  const layers = Object.fromEntries(pruning.sparsity().layers.map((l) => [l.name, l.elementSparsity]));
  expect(layers.fc2).toBeCloseTo(Math.floor(0.7 * 2048) / 2048, 12);
  expect(pruning.sparsity().pruned).toBe(Math.floor(0.6 * (2048 + 2048 + 288)));
});

test('pattern_lock keeps the zeros the weights have when training begins', () => {
  const modules = threeLayerModel(6);
  delete (modules as Record<string, unknown>)['fc1.bias'];
  for (const m of Object.values(modules)) for (let i = 0; i < m.weight.length; i += 3) m.weight[i] = 0;
  const zeros = Object.fromEntries(
    Object.entries(modules).map(([k, m]) => [k, m.weight.map((w) => (w === 0 ? 1 : 0))]),
  );
  const pruning = new Pruning({ pruning_type: 'pattern_lock', pattern: '1x1' }, modules);
  pruning.onTrainBegin();
  const next = random(7);
  for (let s = 0; s < 4; s++) trainStep(pruning, modules, next);
  for (const [name, m] of Object.entries(modules)) m.weight.forEach((w, i) => zeros[name][i] && expect(w).toBe(0));
  expect(pruning.sparsity().elementSparsity).toBeCloseTo(1 / 3, 2);
});

test('group lasso shrinks each block by coeff / ||grad block|| (hand-computed)', () => {
  const modules: Modules = {
    fc: { weight: new Float32Array([1, 2, 3, 4]), grad: new Float32Array([3, 0, 4, 0]), shape: [2, 2] },
  };
  // 2x1 blocks: columns. Column 0 grads (3, 4): norm 5, term 0.5 / 5 = 0.1; column 1 grads 0: term 0.5/1e-12.
  const pruning = new Pruning(
    {
      pruning_type: 'magnitude',
      pattern: '2x1',
      target_sparsity: 0,
      end_step: 5,
      reg_type: 'group_lasso',
      reg_coeff: 0.5,
    },
    modules,
  );
  pruning.onStepBegin();
  pruning.onBeforeOptimizerStep();
  pruning.onAfterOptimizerStep();
  const w = modules.fc.weight;
  expect(w[0]).toBeCloseTo(1 - 0.1 * 1, 6);
  expect(w[2]).toBeCloseTo(3 - 0.1 * 3, 6);
  expect(w[1]).toBeCloseTo(2 - (0.5 / 1e-12) * 2, -6); // the reference's term, not clipped
});

test('hooks out of order are refused with the expected order', () => {
  const pruning = new Pruning({ pruning_type: 'magnitude', pattern: '1x1' }, threeLayerModel());
  expect(() => pruning.onBeforeOptimizerStep()).toThrow(
    'Pruning.onBeforeOptimizerStep: called between steps; the hooks of a step run in this order: onStepBegin -> onBeforeOptimizerStep',
  );
  pruning.onStepBegin();
  expect(() => pruning.onStepBegin()).toThrow('Pruning.onStepBegin: called after onStepBegin');
  pruning.onAfterOptimizerStep();
  expect(() => pruning.onStepBegin()).toThrow('call onStepEnd first');
  pruning.onStepEnd();
  pruning.onStepBegin();
});

test('a missing grad is an error before anything is written; a module claimed twice is refused', () => {
  const modules = threeLayerModel();
  const pruning = new Pruning({ pruning_type: 'snip', pattern: '1x1', target_sparsity: 0.5, end_step: 3 }, modules, {
    warn: () => {},
  });
  pruning.onStepBegin();
  modules.fc2.grad = null;
  expect(() => pruning.onBeforeOptimizerStep()).toThrow(
    'Pruning.onBeforeOptimizerStep: module "fc2" needs a Float32Array grad of 2048 elements (pruning_type "snip"), got none',
  );
  expect(
    () =>
      new Pruning({ pruning_configs: [{ op_names: ['fc'] }, { op_names: ['fc1'] }] }, threeLayerModel(), {
        warn: () => {},
      }),
  ).toThrow('module "fc1" is selected by pruning_configs[0] and pruning_configs[1]');
});

test('op_names and excluded_op_names select modules by regex search', () => {
  const pruning = new Pruning(
    { pruning_type: 'magnitude', op_names: ['fc'], excluded_op_names: ['bias$'], pattern: '1x1' },
    threeLayerModel(),
  );
  expect(Object.keys(pruning.pruners[0].modules)).toEqual(['fc1', 'fc2']);
});

test('maskGrads zeroes the grads of pruned weights after the criterion read them', () => {
  const modules = threeLayerModel(8);
  delete (modules as Record<string, unknown>)['fc1.bias'];
  const pruning = new Pruning({ pruning_type: 'magnitude', pattern: '1x1', target_sparsity: 0.5 }, modules, {
    maskGrads: true,
  });
  pruning.onStepBegin();
  for (const m of Object.values(modules)) m.grad!.fill(1);
  pruning.onBeforeOptimizerStep();
  for (const [name, keep] of Object.entries(pruning.masks))
    keep.forEach((k, i) => expect(modules[name].grad![i]).toBe(k));
});

describe('the sparsity report', () => {
  test('counts a pruned 1:4 group as pruned (the reference reports 0 there)', () => {
    const keep = new Uint8Array(16).fill(1);
    for (let g = 0; g < 16; g += 4) keep[g + 1] = 0;
    const report = sparsityReport([{ name: 'l', shape: [2, 8], keep, pattern: parsePattern('1:4') }]);
    expect(report.layers[0]).toMatchObject({
      pruned: 4,
      elementSparsity: 0.25,
      blocks: 4,
      prunedBlocks: 4,
      blockSparsity: 0.25,
    });
  });

  test('NxM blocks count only when entirely pruned; 4-D weights use the conv view', () => {
    const keep = new Uint8Array(16).fill(1);
    keep.fill(0, 0, 4); // row 0 of a [4, 4] weight: four 4x1 blocks each lose one weight
    const rows = sparsityReport([{ name: 'l', shape: [4, 4], keep, pattern: parsePattern('4x1') }]).layers[0];
    expect(rows).toMatchObject({ pruned: 4, elementSparsity: 0.25, blocks: 4, prunedBlocks: 0, blockSparsity: 0 });
    const conv = new Uint8Array(2 * 2 * 1 * 2).fill(1);
    conv[0] = conv[2] = 0; // [cout 2, cin 2, 1, 2]: output 0, kw 0 of both input channels
    const c = sparsityReport([{ name: 'c', shape: [2, 2, 1, 2], keep: conv, pattern: parsePattern('1x2') }]).layers[0];
    // the view [2, kh*kw*cin = 4] orders (kw, cin): (0,0),(0,1),(1,0),(1,1): the 1x2 block (kw 0) is pruned
    expect(c).toMatchObject({ blocks: 4, prunedBlocks: 1, blockSparsity: 0.25 });
  });
});

test('the async hooks give the same masks and weights as the sync ones, and refuse overlapping calls', async () => {
  const config = {
    target_sparsity: 0.8,
    pattern: '4x1',
    pruning_type: 'snip_momentum',
    start_step: 0,
    end_step: 6,
    pruning_frequency: 2,
  };
  const syncModel = threeLayerModel(11);
  const asyncModel = threeLayerModel(11);
  const sync = new Pruning(config, syncModel, { warn: () => {} });
  const asyncPruning = new Pruning(config, asyncModel, { warn: () => {} });
  const nextSync = random(12);
  const nextAsync = random(12);
  for (let step = 0; step < 8; step++) {
    trainStep(sync, syncModel, nextSync);
    const begun = asyncPruning.onStepBeginAsync();
    expect(() => asyncPruning.onBeforeOptimizerStep()).toThrow(
      'Pruning.onBeforeOptimizerStep: Pruning.onStepBeginAsync() is still in flight; await it first',
    );
    await begun;
    for (const m of Object.values(asyncModel)) for (let i = 0; i < m.grad!.length; i++) m.grad![i] = nextAsync();
    await asyncPruning.onBeforeOptimizerStepAsync();
    for (const m of Object.values(asyncModel))
      for (let i = 0; i < m.weight.length; i++) m.weight[i] -= 0.01 * m.grad![i];
    asyncPruning.onAfterOptimizerStep();
    asyncPruning.onStepEnd();
  }
  expect(asyncPruning.masks).toEqual(sync.masks);
  for (const name of Object.keys(syncModel)) expect(asyncModel[name].weight).toEqual(syncModel[name].weight);
  expect(asyncPruning.sparsity().elementSparsity).toBeCloseTo(0.8, 2);
});
