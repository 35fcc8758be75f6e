/**
 * The quick-start demo: prune an MLP while fine-tuning it on MNIST digits with TensorFlow.js (wasm
 * backend) through prunekit/tfjs, and print accuracy, sparsity and where the time went.
 *
 *   npm run demo              (about a minute: 3,000 train / 1,000 test digits)
 *   npm run demo -- --full    (all 10,000 digits: 8,500 train / 1,500 test)
 *
 * The pruned models are written as safetensors (PyTorch layout) to examples/out/.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { runDemo, type DemoResult, type RunResult } from './mnist/finetune';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

const pct = (x: number) => (x * 100).toFixed(2);

function report(r: DemoResult): string {
  const runs: RunResult[] = [r.dense, r.control, ...r.pruned];
  const perStep = (run: RunResult, ms: number) => (ms / run.steps).toFixed(2);
  const timing = [
    ['run', 'test acc %', 'vs control', 'wall s', 'ms/step', 'tfjs', 'prunekit', 'adapter', 'prunekit+adapter %'],
  ];
  for (const run of runs) {
    const share =
      run.prunekitMs + run.copyMs === 0
        ? '-'
        : ((100 * (run.prunekitMs + run.copyMs)) / (run.tfjsMs + run.prunekitMs + run.copyMs)).toFixed(2);
    timing.push([
      run.label,
      pct(run.accuracy),
      run === r.dense ? '' : (100 * (run.accuracy - r.control.accuracy)).toFixed(2),
      (run.wallMs / 1000).toFixed(1),
      perStep(run, run.wallMs),
      perStep(run, run.tfjsMs),
      perStep(run, run.prunekitMs),
      perStep(run, run.copyMs),
      share,
    ]);
  }
  const layers = Object.keys(r.pruned[0]?.sparsity ?? {});
  const sparsity = [['layer', ...r.pruned.map((p) => p.label)]];
  for (const layer of layers)
    sparsity.push([layer, ...r.pruned.map((p) => `${pct(p.sparsity[layer].prunekit)} / ${pct(p.sparsity[layer].tf)}`)]);
  return [
    table(timing),
    '',
    "sparsity % per layer, prunekit's masks / zeros counted in the tf weights:",
    table(sparsity),
  ].join('\n');
}

async function main(): Promise<void> {
  const full = process.argv.includes('--full');
  await tf.setBackend('wasm');
  await tf.ready();
  const options = full
    ? { train: 8500, test: 1500, batch: 64, denseEpochs: 3, tuneEpochs: 6, learningRate: 5e-4 }
    : { train: 3000, test: 1000, batch: 64, denseEpochs: 3, tuneEpochs: 3, learningRate: 5e-4 };
  const outDir = path.join(__dirname, '..', '..', 'examples', 'out');
  console.log(
    `prunekit demo: MLP 784-300-100-10 on MNIST digits, TensorFlow.js ${tf.version_core} backend ${tf.getBackend()}${full ? ' (--full)' : ''}`,
  );
  const result = await runDemo({ ...options, outDir, log: (line) => console.log(`  ${line}`) });
  console.log(
    `\n${result.trainDigits} train / ${result.testDigits} test digits, ${result.stepsPerEpoch} steps per epoch, batch ${options.batch}, Adam ${options.learningRate}; memory path ${result.memory}\n`,
  );
  console.log(report(result));
  console.log(
    `\npruned models (safetensors, PyTorch layout [out, in]): ${result.pruned.map((p) => path.relative(process.cwd(), p.file as string)).join(', ')}`,
  );
  const wrong = result.pruned.filter((p) => Object.values(p.sparsity).some((s) => s.tf < s.prunekit));
  if (wrong.length > 0) {
    console.log(`NOT ZERO in the tf weights: ${wrong.map((p) => p.label).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
