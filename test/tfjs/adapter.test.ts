/**
 * prunekit/tfjs on the cpu and wasm backends: kernels bound with their layouts, the zero-copy paths see the
 * variables' own memory (and never a stale view), masks through the adapter equal masks computed on
 * hand-transposed `[out, in]` copies, and the safetensors export reads back in PyTorch layout.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { computeMasks, ConfigError, Pruning } from '../../lib';
import {
  bindModel,
  exportSafetensors,
  pruningCallback,
  PruningTrainer,
  transposeInto,
  type TrainableModel,
} from '../../lib/tfjs';
import { readView } from '../../lib/tfjs/memory';
import { BACKENDS, useBackend } from './backends';
import { readF32Safetensors } from './safetensors-reader';

function convNet(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv1',
        inputShape: [8, 8, 3],
        filters: 8,
        kernelSize: [3, 2],
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }),
      }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({
        name: 'fc1',
        units: 16,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 8 }),
      }),
      tfl.layers.dense({ name: 'head', units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }),
    ],
  });
}

/** Dense only: the wasm backend has no conv gradient kernel (Conv2DBackpropFilter), so it trains MLPs. */
function trainable(backend: string): { model: tfl.Sequential; x: tf.Tensor; classes: number } {
  if (backend === 'cpu') return { model: convNet(), x: tf.randomUniform([6, 8, 8, 3], 0, 1, 'float32', 1), classes: 4 };
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        name: 'fc0',
        inputShape: [24],
        units: 32,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }),
      }),
      tfl.layers.dense({
        name: 'fc1',
        units: 16,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }),
      }),
      tfl.layers.dense({ name: 'head', units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }),
    ],
  });
  return { model, x: tf.randomUniform([6, 24], 0, 1, 'float32', 1), classes: 4 };
}

/** A conv `[kh, kw, cin, cout]` kernel in PyTorch's `[cout, cin, kh, kw]`, written out index by index. */
function oihwByHand(w: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++)
      for (let h = 0; h < kh; h++)
        for (let x = 0; x < kw; x++)
          out[o * cin * kh * kw + c * kh * kw + h * kw + x] = w[h * kw * cin * cout + x * cin * cout + c * cout + o];
  return out;
}

describe.each(BACKENDS)('prunekit/tfjs on the %s backend', (backend) => {
  beforeAll(() => useBackend(backend));

  test('binds Dense and Conv2D kernels with their layouts, by name regex', () => {
    const model = convNet();
    const all = bindModel(model);
    expect(all.layers.map((l) => [l.name, l.kind, l.layout, l.tfShape, l.torchShape, l.out, l.k])).toEqual([
      ['conv1', 'Conv2D', 'hwio', [3, 2, 3, 8], [8, 3, 3, 2], 8, 18],
      ['fc1', 'Dense', 'io', [336, 16], [16, 336], 16, 336],
      ['head', 'Dense', 'io', [16, 4], [4, 16], 4, 16],
    ]);
    expect(all.memory).toBe(backend === 'cpu' ? 'cpu-values' : 'wasm-heap');
    expect(Object.keys(bindModel(model, { include: /^fc|^head/, exclude: 'head' }).modules)).toEqual(['fc1']);
    expect(() => bindModel(model, { include: /nothing/ })).toThrow(
      /no Dense or Conv2D layer selected \(layers: conv1 \(Conv2D\), flat \(Flatten\)/,
    );
    model.dispose();
  });

  test("the record holds each kernel in its tfjs layout, in the variable's own memory (a copy only when asked)", () => {
    const model = convNet();
    const binding = bindModel(model);
    for (const layer of binding.layers) {
      const entry = binding.modules[layer.name];
      expect([entry.shape, entry.layout]).toEqual([layer.tfShape, layer.layout]);
      expect(entry.weight).toEqual(Float32Array.from(layer.kernel().dataSync()));
      if (backend === 'cpu') expect(entry.weight).toBe(layer.kernel().dataSync());
      else
        expect(entry.weight.buffer).toBe(
          (tf.engine().backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer,
        );
    }
    const copying = bindModel(model, { memory: 'copy' });
    expect(copying.memory).toBe('copy');
    const entry = copying.modules.fc1;
    entry.weight[3] = 99; // a copy: the variable keeps its value until writeBack
    expect(copying.layers[1].kernel().dataSync()[3]).not.toBe(99);
    copying.writeBack();
    expect(copying.layers[1].kernel().dataSync()[3]).toBe(99);
    model.dispose();
  });

  test("the zero-copy path is the variable's own memory, and a view is fetched again after tf reallocates", () => {
    const v = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]));
    const view = readView(backend === 'cpu' ? 'cpu-values' : 'wasm-heap', v);
    view[4] = 42; // written through the view: the variable itself changes
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4, 42, 6]);
    if (backend === 'wasm') {
      const heap = (tf.engine().backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
      expect(view.buffer).toBe(heap.buffer);
    } else expect(view).toBe(v.dataSync()); // the backend's own array, not a copy
    v.assign(tf.tensor2d([7, 8, 9, 10, 11, 12], [2, 3])); // new memory
    const fresh = readView(backend === 'cpu' ? 'cpu-values' : 'wasm-heap', v);
    expect(Array.from(fresh)).toEqual([7, 8, 9, 10, 11, 12]);
    if (backend === 'cpu') expect(fresh).not.toBe(view);
    v.dispose();
  });

  test('masks in tfjs layout equal the masks of hand-transposed [out, in] copies, for 4x1, 1x4 and 2:4, on both memory paths', () => {
    for (const [pattern, memory] of [
      ['4x1', 'auto'],
      ['1x4', 'auto'],
      ['2:4', 'auto'],
      ['4x1', 'copy'],
      ['2:4', 'copy'],
    ] as const) {
      const model = convNet();
      const binding = bindModel(model, { exclude: 'head', memory });
      // The reference path: each kernel transposed by hand into PyTorch layout, masked by prunekit as is.
      const torch = binding.layers.map((l) => {
        const w = Float32Array.from(l.kernel().dataSync());
        return {
          name: l.name,
          shape: [...l.torchShape],
          scores:
            l.kind === 'Dense'
              ? transposeInto(w, l.tfShape[0], l.tfShape[1], new Float32Array(w.length)).map(Math.abs)
              : oihwByHand(w, [...l.tfShape]).map(Math.abs),
        };
      });
      const expected = computeMasks(torch, { pattern, ratio: 0.5 }).masks;
      const pruning = new Pruning(
        { pruning_type: 'magnitude', pattern, target_sparsity: 0.5, start_step: 0, end_step: 0, pruning_frequency: 1 },
        binding.modules,
        { warn: () => {} },
      );
      pruning.onTrainBegin();
      binding.refresh(true);
      pruning.onStepBegin(); // zeroes the pruned weights in the variables themselves
      binding.writeBack();
      for (const l of binding.layers) {
        const w = Float32Array.from(l.kernel().dataSync());
        const torchW =
          l.kind === 'Dense'
            ? transposeInto(w, l.tfShape[0], l.tfShape[1], new Float32Array(w.length))
            : oihwByHand(w, [...l.tfShape]);
        const zeroAt = torchW.map((x) => (x === 0 ? 0 : 1));
        expect([
          pattern,
          l.name,
          Buffer.compare(Buffer.from(zeroAt.buffer), Buffer.from(Float32Array.from(expected[l.name]).buffer)),
        ]).toEqual([pattern, l.name, 0]);
      }
      model.dispose();
    }
  });

  test.each(['auto', 'copy'] as const)(
    'PruningTrainer (memory %s): pruned weights stay zero after every optimizer step, grads reach the criterion',
    (memory) => {
      const { model, x } = trainable(backend);
      const optimizer = tf.train.adam(0.01);
      const loss = (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) as tf.Scalar;
      const trainer = new PruningTrainer(
        model as unknown as TrainableModel,
        {
          pruning_type: 'snip_momentum',
          pattern: '4x1',
          target_sparsity: 0.75,
          start_step: 0,
          end_step: 4,
          pruning_frequency: 2,
          excluded_op_names: ['head'],
        },
        { optimizer, loss, memory },
      );
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4);
      for (let step = 0; step < 7; step++) {
        trainer.step(x, y);
        for (const l of trainer.binding.layers.filter((b) => b.name !== 'head')) {
          const keep = trainer.pruning.masks[l.name]; // tfjs layout, as the kernel
          const w = l.kernel().dataSync();
          const nonzeroPruned = keep.reduce((n, k, i) => n + (k === 0 && w[i] !== 0 ? 1 : 0), 0);
          expect([step, l.name, nonzeroPruned]).toEqual([step, l.name, 0]);
        }
      }
      const criterion = (
        trainer.pruning.pruners[0] as unknown as { criterion: { scores: Record<string, Float32Array> } }
      ).criterion;
      expect(criterion.scores.fc1.some((s) => s > 0)).toBe(true); // scores from w * g: the grads arrived
      const report = trainer.pruning.sparsity();
      expect(report.blockSparsity).toBeCloseTo(0.75, 2);
      const counted = trainer.binding.tfSparsity();
      for (const layer of report.layers) expect(counted[layer.name]).toBeGreaterThanOrEqual(layer.elementSparsity);
      expect(trainer.timing.steps).toBe(7);
      tf.dispose([x, y]);
      model.dispose();
    },
  );

  test('pruningCallback prunes by magnitude inside model.fit and refuses gradient criteria', async () => {
    const { model } = trainable(backend);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    expect(() =>
      pruningCallback(model, { pruning_type: 'snip_momentum', pattern: '4x1', target_sparsity: 0.5 }),
    ).toThrow(ConfigError);
    const callback = pruningCallback(
      model,
      {
        pruning_type: 'magnitude',
        pattern: '4x1',
        target_sparsity: 0.5,
        start_step: 0,
        end_step: 2,
        pruning_frequency: 1,
        excluded_op_names: ['head'],
      },
      { pruning: { warn: () => {} } },
    );
    const x = tf.randomUniform([12, ...(backend === 'cpu' ? [8, 8, 3] : [24])], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    await model.fit(x, y, { epochs: 2, batchSize: 4, callbacks: callback, verbose: 0 });
    expect(callback.pruning.step).toBe(6);
    const report = callback.pruning.sparsity();
    expect(report.blockSparsity).toBeCloseTo(0.5, 2);
    const counted = callback.binding.tfSparsity();
    for (const layer of report.layers) expect(counted[layer.name]).toBeGreaterThanOrEqual(layer.elementSparsity);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('the export is safetensors in PyTorch layout, read back by an independent reader', () => {
    const model = convNet();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-tfjs-'));
    const file = path.join(dir, 'model.safetensors');
    exportSafetensors(model, file, { note: 'test' });
    const { metadata, tensors } = readF32Safetensors(file);
    expect(metadata).toEqual({ format: 'pt', source: 'prunekit/tfjs', note: 'test' });
    expect(Object.keys(tensors)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'fc1.weight',
      'fc1.bias',
      'head.weight',
      'head.bias',
    ]);
    const [convK, , fcK] = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
    expect(tensors['conv1.weight'].shape).toEqual([8, 3, 3, 2]);
    expect(tensors['conv1.weight'].values).toEqual(oihwByHand(convK, [3, 2, 3, 8]));
    expect(tensors['fc1.weight'].shape).toEqual([16, 336]);
    expect(tensors['fc1.weight'].values[5 * 336 + 7]).toBe(fcK[7 * 16 + 5]); // [out, in]
    expect(tensors['fc1.bias'].shape).toEqual([16]);
    fs.rmSync(dir, { recursive: true });
    model.dispose();
  });
});
