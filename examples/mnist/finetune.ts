/**
 * The fine-tune behind `npm run demo`: an MLP 784-300-100-10 trained dense on MNIST digits, then fine-tuned
 * from the same weights once without pruning (the control) and once per pruning config, through
 * prunekit/tfjs's PruningTrainer. Returns accuracies, sparsities (prunekit's and counted in the tf
 * weights) and where each step's time went; writes each pruned model as safetensors (PyTorch layout).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { PruningConfigInput } from '../../lib';
import { exportSafetensors, memoryPath, PruningTrainer, type TrainableModel } from '../../lib/tfjs';
import { loadDigits, type DigitSet } from './data';

export interface DemoOptions {
  train: number;
  test: number;
  batch: number;
  denseEpochs: number;
  tuneEpochs: number;
  learningRate: number;
  /** Which pruned runs (labels of {@link pruningRuns}); default all. */
  runs?: string[];
  /** Where the pruned models go as safetensors; none: not written. */
  outDir?: string;
  log?: (line: string) => void;
  /** Called after every step of a pruned run (tests check the schedule and the zeros here). */
  onStep?: (label: string, trainer: PruningTrainer) => void;
}

export interface RunResult {
  label: string;
  accuracy: number;
  wallMs: number;
  steps: number;
  tfjsMs: number;
  prunekitMs: number;
  copyMs: number;
  /** prunekit's element sparsity per layer, and the zeros counted in the tf kernels. */
  sparsity: Record<string, { prunekit: number; tf: number }>;
  file?: string;
}

export interface DemoResult {
  backend: string;
  memory: string;
  trainDigits: number;
  testDigits: number;
  stepsPerEpoch: number;
  dense: RunResult;
  control: RunResult;
  pruned: RunResult[];
}

/** The pruned runs: snip_momentum 4x1 at 80% and 90% and 2:4 (iterative, exp), magnitude one-shot 80%. */
export function pruningRuns(steps: number): Array<{ label: string; config: PruningConfigInput }> {
  // Iterative runs prune over the first 60% of the fine-tune in 10 steps, then train on with fixed masks.
  const frequency = Math.max(1, Math.floor((0.6 * steps) / 10));
  const iterative = {
    pruning_type: 'snip_momentum',
    sparsity_decay_type: 'exp',
    start_step: 0,
    end_step: frequency * 10,
    pruning_frequency: frequency,
  } as const;
  return [
    { label: 'snip_momentum 4x1 80%', config: { ...iterative, pattern: '4x1', target_sparsity: 0.8 } },
    { label: 'snip_momentum 4x1 90%', config: { ...iterative, pattern: '4x1', target_sparsity: 0.9 } },
    { label: 'snip_momentum 2:4', config: { ...iterative, pattern: '2:4', target_sparsity: 0.5 } },
    {
      label: 'magnitude 4x1 80% one-shot',
      config: {
        pruning_type: 'magnitude',
        pattern: '4x1',
        target_sparsity: 0.8,
        start_step: 0,
        end_step: 0,
        pruning_frequency: 1,
      },
    },
  ];
}

function buildModel(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ name: 'fc1', inputShape: [784], units: 300, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.dense({ name: 'fc2', units: 100, activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.dense({ name: 'fc3', units: 10, kernelInitializer: init(3) }),
    ],
  });
}

/** The model's weights as plain copies, and a fresh model that starts from them. */
function snapshot(model: tfl.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

function restore(weights: Float32Array[]): tfl.Sequential {
  const model = buildModel();
  model.weights.forEach((w, i) =>
    (w.read() as tf.Variable).assign(tf.tensor(weights[i].slice(), w.shape as number[], 'float32')),
  );
  return model;
}

interface Batches {
  xs: tf.Tensor2D[];
  ys: tf.Tensor2D[];
}

function batchesOf(set: DigitSet, batch: number): Batches {
  const xs: tf.Tensor2D[] = [];
  const ys: tf.Tensor2D[] = [];
  for (let at = 0; at + batch <= set.n; at += batch) {
    xs.push(tf.tensor2d(set.pixels.slice(at * 784, (at + batch) * 784), [batch, 784]));
    ys.push(
      tf.tidy(
        () =>
          tf.cast(
            tf.oneHot(tf.tensor1d(Int32Array.from(set.labels.subarray(at, at + batch)), 'int32'), 10),
            'float32',
          ) as tf.Tensor2D,
      ),
    );
  }
  return { xs, ys };
}

function accuracy(model: tfl.LayersModel, set: DigitSet): number {
  return tf.tidy(() => {
    const logits = model.predict(tf.tensor2d(set.pixels, [set.n, 784])) as tf.Tensor;
    const predicted = tf.argMax(logits, 1).dataSync();
    let right = 0;
    for (let i = 0; i < set.n; i++) if (predicted[i] === set.labels[i]) right++;
    return right / set.n;
  });
}

const loss = (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) as tf.Scalar;

/** Batch order of an epoch, the same on every run. */
function epochOrder(n: number, epoch: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = (epoch + 1) * 2654435761;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Trains without pruning (dense phase, control): the same step as PruningTrainer's minus the hooks. */
function trainPlain(
  model: tfl.LayersModel,
  data: Batches,
  epochs: number,
  lr: number,
  label: string,
  test: DigitSet,
): RunResult {
  const optimizer: tf.Optimizer = tf.train.adam(lr);
  const t0 = performance.now();
  let steps = 0;
  for (let epoch = 0; epoch < epochs; epoch++)
    for (const b of epochOrder(data.xs.length, epoch)) {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => loss(data.ys[b], model.apply(data.xs[b], { training: true }) as tf.Tensor),
        vars,
      );
      value.dataSync();
      optimizer.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
      steps++;
    }
  const wallMs = performance.now() - t0;
  optimizer.dispose();
  return {
    label,
    accuracy: accuracy(model, test),
    wallMs,
    steps,
    tfjsMs: wallMs,
    prunekitMs: 0,
    copyMs: 0,
    sparsity: {},
  };
}

function trainPruned(
  weights: Float32Array[],
  data: Batches,
  options: DemoOptions,
  label: string,
  config: PruningConfigInput,
  test: DigitSet,
): RunResult {
  const model = restore(weights);
  const optimizer: tf.Optimizer = tf.train.adam(options.learningRate);
  const trainer = new PruningTrainer(model as unknown as TrainableModel, config, {
    optimizer,
    loss,
    pruning: { warn: options.log },
  });
  const t0 = performance.now();
  for (let epoch = 0; epoch < options.tuneEpochs; epoch++)
    for (const b of epochOrder(data.xs.length, epoch)) {
      trainer.step(data.xs[b], data.ys[b]);
      options.onStep?.(label, trainer);
    }
  const wallMs = performance.now() - t0;
  const report = trainer.pruning.sparsity();
  const counted = trainer.binding.tfSparsity();
  const sparsity: RunResult['sparsity'] = {};
  for (const layer of report.layers)
    sparsity[layer.name] = { prunekit: layer.elementSparsity, tf: counted[layer.name] };
  let file: string | undefined;
  if (options.outDir) {
    fs.mkdirSync(options.outDir, { recursive: true });
    file = path.join(
      options.outDir,
      `${label
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/-+$/, '')
        .toLowerCase()}.safetensors`,
    );
    exportSafetensors(model, file, { pruning: JSON.stringify(config) });
  }
  const { steps, tfjsMs, prunekitMs, copyMs } = trainer.timing;
  const result = { label, accuracy: accuracy(model, test), wallMs, steps, tfjsMs, prunekitMs, copyMs, sparsity, file };
  optimizer.dispose();
  model.dispose();
  return result;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  const { train, test } = loadDigits(options.train, options.test);
  const data = batchesOf(train, options.batch);
  const tuneSteps = options.tuneEpochs * data.xs.length;
  log(`dense training: ${options.denseEpochs} epochs of ${data.xs.length} steps (batch ${options.batch})`);
  const model = buildModel();
  const dense = trainPlain(model, data, options.denseEpochs, options.learningRate, 'dense', test);
  const weights = snapshot(model);
  model.dispose();
  log(`dense: ${(dense.accuracy * 100).toFixed(2)}%; fine-tuning ${tuneSteps} steps per run`);
  const controlModel = restore(weights);
  const control = trainPlain(controlModel, data, options.tuneEpochs, options.learningRate, 'dense control', test);
  controlModel.dispose();
  log(`dense control: ${(control.accuracy * 100).toFixed(2)}%`);
  const pruned: RunResult[] = [];
  for (const run of pruningRuns(tuneSteps)) {
    if (options.runs && !options.runs.includes(run.label)) continue;
    const result = trainPruned(weights, data, options, run.label, run.config, test);
    log(`${run.label}: ${(result.accuracy * 100).toFixed(2)}%`);
    pruned.push(result);
  }
  tf.dispose([...data.xs, ...data.ys]);
  return {
    backend: tf.getBackend(),
    memory: memoryPath(),
    trainDigits: train.n,
    testDigits: test.n,
    stepsPerEpoch: data.xs.length,
    dense,
    control,
    pruned,
  };
}
