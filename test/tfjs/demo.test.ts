/**
 * The demo reduced (400 train / 200 test digits, 2 + 2 epochs) on the wasm backend: every pruned run's
 * sparsity is the schedule's at each pruning step, exactly (blocks counted by prunekit's report), and
 * reaches the target; pruned weights are zero in the tf variables after every optimizer step; accuracy stays
 * well above chance; the exported models read back in PyTorch layout with the same zeros.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { targetCount } from '../../lib';
import type { PruningTrainer } from '../../lib/tfjs';
import { runDemo, type DemoResult } from '../../examples/mnist/finetune';
import { useBackend } from './backends';
import { readF32Safetensors } from './safetensors-reader';

jest.setTimeout(120_000);

describe('the reduced demo (wasm)', () => {
  let result: DemoResult;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-demo-'));
  const checked: Record<string, { pruningSteps: number; zeroChecks: number }> = {};
  const problems: string[] = [];

  function check(label: string, trainer: PruningTrainer): void {
    const seen = (checked[label] ??= { pruningSteps: 0, zeroChecks: 0 });
    const pruner = trainer.pruning.pruners[0];
    const step = trainer.pruning.step - 1; // the step just completed
    const report = trainer.pruning.sparsity();
    const blocks = report.layers.reduce((n, l) => n + l.blocks, 0);
    const pruned = report.layers.reduce((n, l) => n + l.prunedBlocks, 0);
    const lastPruning = pruner.schedule.steps().at(-1)!.step;
    const ratio = pruner.schedule.ratioAt(
      Math.min(step, lastPruning) -
        ((Math.min(step, lastPruning) - pruner.config.start_step) % pruner.config.pruning_frequency),
    );
    if (ratio !== undefined) {
      seen.pruningSteps += pruner.schedule.isPruningStep(step) ? 1 : 0;
      const pattern = pruner.config.parsedPattern;
      // N:M: the ratio is of weights; the pruned groups (N of their M pruned) are ratio / (N/M) of all
      const expected = targetCount(pattern.kind === 'n:m' ? ratio / (pattern.n / pattern.m) : ratio, blocks);
      if (pruned !== expected)
        problems.push(`${label} step ${step}: ${pruned} blocks pruned, the schedule says ${expected} (ratio ${ratio})`);
    }
    for (const layer of trainer.binding.layers) {
      const keep = trainer.pruning.masks[layer.name];
      if (keep === undefined) continue;
      const tfKeep = keep; // masks come in the kernel's own (tfjs) layout
      const w = layer.kernel().dataSync();
      let bad = 0;
      for (let i = 0; i < w.length; i++) if (tfKeep[i] === 0 && w[i] !== 0) bad++;
      if (bad > 0) problems.push(`${label} step ${step}: ${bad} pruned weights of ${layer.name} are not zero`);
      seen.zeroChecks++;
    }
  }

  beforeAll(async () => {
    await useBackend('wasm');
    result = await runDemo({
      train: 400,
      test: 200,
      batch: 32,
      denseEpochs: 2,
      tuneEpochs: 2,
      learningRate: 2e-3,
      outDir,
      onStep: check,
    });
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test('sparsity follows the schedule exactly and pruned weights stay zero after every step', () => {
    expect(problems).toEqual([]);
    expect(Object.keys(checked)).toEqual([
      'snip_momentum 4x1 80%',
      'snip_momentum 4x1 90%',
      'snip_momentum 2:4',
      'magnitude 4x1 80% one-shot',
    ]);
    for (const [label, seen] of Object.entries(checked)) {
      expect([label, seen.pruningSteps]).toEqual([label, label.includes('one-shot') ? 1 : 11]);
      expect(seen.zeroChecks).toBeGreaterThanOrEqual(24 * 2);
    }
  });

  test("each run reaches its target, in prunekit's masks and in the tf weights", () => {
    const targets: Record<string, number> = {
      'snip_momentum 4x1 80%': 0.8,
      'snip_momentum 4x1 90%': 0.9,
      'snip_momentum 2:4': 0.5,
      'magnitude 4x1 80% one-shot': 0.8,
    };
    for (const run of result.pruned) {
      const sizes: Record<string, number> = { fc1: 784 * 300, fc2: 300 * 100, fc3: 100 * 10 };
      const names = Object.keys(run.sparsity);
      expect(names).toEqual(run.label.includes('2:4') ? ['fc1', 'fc2', 'fc3'] : ['fc1', 'fc2']); // fc3's 10 rows: no 4x1
      const layers = Object.values(run.sparsity);
      const overall =
        names.reduce((n, name) => n + run.sparsity[name].prunekit * sizes[name], 0) /
        names.reduce((n, name) => n + sizes[name], 0);
      expect([run.label, overall]).toEqual([run.label, expect.closeTo(targets[run.label], 3)]);
      for (const s of layers) expect(s.tf).toBeGreaterThanOrEqual(s.prunekit);
    }
  });

  test('accuracy stays well above chance (10%)', () => {
    for (const run of [result.dense, result.control, ...result.pruned])
      expect([run.label, run.accuracy > 0.6]).toEqual([run.label, true]);
  });

  test('the exported models read back in PyTorch layout with the pruned zeros', () => {
    const run = result.pruned[0];
    const { tensors } = readF32Safetensors(run.file as string);
    expect(tensors['fc1.weight'].shape).toEqual([300, 784]);
    expect(tensors['fc3.weight'].shape).toEqual([10, 100]);
    const zeros = tensors['fc1.weight'].values.filter((x) => x === 0).length / (300 * 784);
    expect(zeros).toBeCloseTo(run.sparsity.fc1.tf, 6);
  });
});
