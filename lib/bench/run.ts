/**
 * The kernel benchmark of this machine (`npm run bench`, `prunekit bench`): scoring per element across
 * cache levels and instruction sets, per-call overhead, and whole-model steps. Ratios are measured side by
 * side in one run; every figure is a median of several samples.
 */
import * as os from 'node:os';
import { simdInfo } from '../simd';
import { threads } from '../threads';
import { benchBlockMomentum, type MomentumRow } from './block-momentum';
import { benchModel, type ModelRow } from './model';
import { benchOverhead, type OverheadRow } from './overhead';
import { benchScoring, type ScoringRow } from './scoring';
import { benchSelection, benchStep, type SelectionRow, type StepRow } from './selection';
import { benchEventLoop, type EventLoopRow } from './event-loop';
import { fixed, printTable } from './table';
import { benchTfjs, tfjsNs, type TfjsReport, type TfjsRow } from './tfjs';
import { benchTorch, torchNs, type TorchReport, type TorchRow } from './torch';
import { median } from './timing';

export interface BenchOptions {
  /** Element counts for the scoring grid. Default: 4K, 256K, 4M and 16M floats. */
  sizes?: number[];
  /** BERT layers for the whole-model figures (12 = BERT-base, 0 = skip). */
  modelLayers?: number;
  /** Score counts for the selection figures. Default: 1M and 16M. */
  selectionSizes?: number[];
  samples?: number;
  /** Rounds of the scoring grid and the PyTorch/tfjs columns, interleaved; each figure is the median. */
  rounds?: number;
  /** Time PyTorch (when python3 has torch) and tfjs-wasm (when installed) side by side. Default true. */
  compare?: boolean;
  /** Where the human-readable report goes; nothing is written when absent. */
  write?: (line: string) => void;
}

export interface BenchReport {
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    simd: ReturnType<typeof simdInfo>;
    threads: number;
  };
  scoring: ScoringRow[];
  overhead: OverheadRow[];
  model: ModelRow[];
  selection: SelectionRow[];
  /** One pruning step's mask update over BERT-base shapes (skipped when modelLayers is 0). */
  step: StepRow[];
  /** snip_momentum 4x1: scoring plus step, momentum per weight vs per block (skipped when modelLayers is 0). */
  momentum: MomentumRow[];
  torch: TorchReport | null;
  tfjs: TfjsReport | null;
  /** With several rounds: every round's scoring rows, PyTorch and tfjs rows, for the spread (noise). */
  rounds?: { scoring: ScoringRow[][]; torch: TorchRow[][]; tfjs: TfjsRow[][] };
}

export const DEFAULT_SIZES = [4096, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

export function runBench(options: BenchOptions = {}): BenchReport {
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const samples = options.samples ?? 7;
  const layers = options.modelLayers ?? 12;
  const write = options.write ?? (() => {});
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    simd: simdInfo(),
    threads: threads(),
  };
  write(`prunekit bench: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, node ${machine.node}`);
  write(
    `instruction sets: ${machine.simd.supported.join(', ')} (active ${machine.simd.active}); thread pool ${machine.threads}`,
  );
  write(`medians of ${samples} samples; ns/el = nanoseconds per element; GB/s = the formula's reads + writes\n`);

  const rounds = Math.max(1, options.rounds ?? 1);
  const compare = options.compare ?? true;
  write(`Scoring, one module (one thread unless stated)${rounds > 1 ? `, ${rounds} interleaved rounds` : ''}:`);
  const scoringRounds: ScoringRow[][] = [];
  const torchRounds: TorchReport[] = [];
  const tfjsRounds: TfjsReport[] = [];
  for (let r = 0; r < rounds; r++) {
    scoringRounds.push(
      benchScoring(sizes, samples, (row) => write(`  measured ${row.criterion} ${row.floats} ${row.isa}`)),
    );
    if (!compare) continue;
    const torch = benchTorch([768, ...sizes], [1, 2], samples);
    if (torch) torchRounds.push(torch);
    write(
      torch
        ? `  measured PyTorch ${torch.version} (${torch.python})`
        : '  PyTorch: no python3 with torch, column skipped',
    );
    const tfjs = benchTfjs([768, ...sizes], samples);
    if (tfjs) tfjsRounds.push(tfjs);
    write(
      tfjs
        ? `  measured tfjs ${tfjs.version} wasm`
        : '  tfjs: @tensorflow/tfjs(-backend-wasm) not installed, column skipped',
    );
  }
  const scoring = medianRows(scoringRounds);
  const torch = torchRounds.length ? { ...torchRounds[0], rows: medianRows(torchRounds.map((t) => t.rows)) } : null;
  const tfjs = tfjsRounds.length ? { ...tfjsRounds[0], rows: medianRows(tfjsRounds.map((t) => t.rows)) } : null;
  printTable(
    [
      [
        'criterion',
        'floats',
        'isa',
        'ns/el',
        'GB/s',
        'x JS',
        'propagate ns/el',
        'skip cost',
        'roof ns/el',
        'propagate/roof',
        'skip/roof',
        'JS ns/el',
        `${machine.threads} threads ns/el`,
      ],
      ...scoring.map((r) => [
        r.criterion,
        r.floats,
        r.isa,
        fixed(r.skipNs, 3),
        fixed(r.skipGBs, 1),
        `${fixed(r.jsNs / r.skipNs, 1)}x`,
        fixed(r.propagateNs, 3),
        `${fixed((r.skipNs / r.propagateNs - 1) * 100, 0)}%`,
        fixed(r.roofNs, 3),
        fixed(r.propagateNs / r.roofNs, 2),
        fixed(r.skipNs / r.roofNs, 2),
        fixed(r.jsNs, 3),
        r.threadedNs === null ? '-' : fixed(r.threadedNs, 3),
      ]),
    ],
    (line) => write(`  ${line}`),
  );
  if (torch || tfjs) {
    const pool = machine.threads;
    write(
      `\nSide by side, ns/el (${machine.simd.active}; prunekit default "skip"; PyTorch ${torch?.version ?? '-'} in place, preallocated; tfjs ${tfjs?.version ?? '-'} wasm):`,
    );
    printTable(
      [
        [
          'criterion',
          'floats',
          'prunekit 1t',
          'propagate 1t',
          'roof 1t',
          'torch 1t',
          'torch/prunekit 1t',
          `prunekit ${pool}t`,
          `propagate ${pool}t`,
          `torch ${pool}t`,
          `torch/prunekit ${pool}t`,
          'tfjs wasm',
        ],
        ...scoring
          .filter((r) => r.isa === machine.simd.active)
          .map((r) => {
            const t1 = torchNs(torch, r.criterion, r.floats, 1);
            const tn = torchNs(torch, r.criterion, r.floats, Math.min(pool, 2));
            const threaded = r.threadedNs ?? r.skipNs;
            return [
              r.criterion,
              r.floats,
              fixed(r.skipNs, 3),
              fixed(r.propagateNs, 3),
              fixed(r.roofNs, 3),
              fixed(t1 ?? NaN, 3),
              t1 === null ? '-' : `${fixed(t1 / r.skipNs, 2)}x`,
              fixed(threaded, 3),
              fixed(r.threadedPropagateNs ?? r.propagateNs, 3),
              fixed(tn ?? NaN, 3),
              tn === null ? '-' : `${fixed(tn / threaded, 2)}x`,
              fixed(tfjsNs(tfjs, r.criterion, r.floats) ?? NaN, 3),
            ];
          }),
      ],
      (line) => write(`  ${line}`),
    );
  }

  write('\nPer-call cost on a small module (768 floats), active instruction set:');
  const overhead = benchOverhead(768, samples);
  printTable(
    [
      [
        'criterion',
        'hook ns/call',
        'raw binding ns/call',
        'roof ns (data movement)',
        'torch ns/call',
        'tfjs wasm ns/call',
      ],
      ...overhead.map((r) => [
        r.criterion,
        fixed(r.hookNs, 0),
        fixed(r.bindingNs, 0),
        fixed(r.roofNs, 0),
        fixed((torchNs(torch, r.criterion, 768, 1) ?? NaN) * 768, 0),
        fixed((tfjsNs(tfjs, r.criterion, 768) ?? NaN) * 768, 0),
      ]),
    ],
    (line) => write(`  ${line}`),
  );

  let model: ModelRow[] = [];
  if (layers > 0) {
    write(`\nWhole model: BERT-base shapes, ${layers} layers, one step per criterion (ms):`);
    model = benchModel(layers, Math.min(samples, 5), () => {});
    printTable(
      [
        [
          'criterion',
          'weights',
          `batch, ${machine.threads} threads`,
          'batch, 1 thread',
          'per-module calls, 1 thread',
          'JS loop',
          'x JS',
        ],
        ...model.map((r) => [
          r.criterion,
          r.weights,
          fixed(r.batchMs, 2),
          fixed(r.batchOneThreadMs, 2),
          fixed(r.perModuleMs, 2),
          fixed(r.jsMs, 1),
          `${fixed(r.jsMs / r.batchMs, 1)}x`,
        ]),
      ],
      (line) => write(`  ${line}`),
    );
  }
  write('\nGlobal top-k selection and mask emission (exact mode, 1x1, ratio 0.9, 8 layers), ns per score:');
  const selection = benchSelection(options.selectionSizes ?? [1 << 20, 1 << 24], Math.min(samples, 5));
  printTable(
    [
      [
        'scores',
        'isa',
        'threads',
        'select',
        'emit',
        'computeMasks',
        'JS sort select',
        'JS emit',
        'x sort (select)',
        'x sort (all)',
      ],
      ...selection.map((r) => [
        r.scores,
        r.isa,
        r.threads,
        fixed(r.selectNs, 2),
        fixed(r.emitNs, 2),
        fixed(r.totalNs, 2),
        fixed(r.jsSelectNs, 1),
        fixed(r.jsEmitNs, 2),
        `${fixed(r.selectSpeedup, 0)}x`,
        `${fixed(r.totalSpeedup, 0)}x`,
      ]),
    ],
    (line) => write(`  ${line}`),
  );
  let step: StepRow[] = [];
  if (layers > 0) {
    write(`\nOne pruning step (one native call; exact mode, global), BERT-base shapes, ${layers} layers:`);
    step = benchStep(layers, Math.min(samples, 5));
    printTable(
      [
        ['pattern', 'ratio', 'weights', 'threads', 'work', 'ms', 'ns/weight'],
        ...step.map((r) => [r.pattern, r.ratio, r.weights, r.threads, r.work, fixed(r.ms, 1), fixed(r.nsPerWeight, 2)]),
      ],
      (line) => write(`  ${line}`),
    );
  }
  let momentum: MomentumRow[] = [];
  if (layers > 0) {
    write(
      `\nsnip_momentum 4x1 (scoring, then the step that reads it; exact, global 0.9), BERT-base shapes, ${layers} layers:`,
    );
    momentum = benchBlockMomentum(layers, Math.min(samples, 5));
    printTable(
      [
        ['momentum', 'threads', 'weights', 'score ms', 'step ms', 'total ms', 'ns/weight', 'scores kept'],
        ...momentum.map((r) => [
          r.momentum,
          r.threads,
          r.weights,
          fixed(r.scoreMs, 1),
          fixed(r.stepMs, 1),
          fixed(r.totalMs, 1),
          fixed(r.nsPerWeight, 2),
          `${fixed(r.scoreBytes / 2 ** 20, 0)} MiB`,
        ]),
      ],
      (line) => write(`  ${line}`),
    );
  }
  const perRound =
    rounds > 1
      ? { scoring: scoringRounds, torch: torchRounds.map((t) => t.rows), tfjs: tfjsRounds.map((t) => t.rows) }
      : undefined;
  return { machine, scoring, overhead, model, selection, step, momentum, torch, tfjs, rounds: perRound };
}

/** Field-by-field medians of the numeric fields of rows measured in several rounds (same order each round). */
function medianRows<T extends object>(rounds: T[][]): T[] {
  if (rounds.length === 1) return rounds[0];
  return rounds[0].map((row, i) => {
    const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
    for (const [key, value] of Object.entries(row))
      if (typeof value === 'number' && key !== 'floats' && key !== 'threads')
        out[key] = median(rounds.map((round) => (round[i] as Record<string, number>)[key]));
    return out as T;
  });
}

/**
 * The event loop during a whole async pruning step on BERT-base shapes (lib/bench/event-loop.ts): onStepBeginAsync
 * then the after-step hook, sync (before it had an async twin) and async, printed as a table; async, so it runs
 * after runBench.
 */
export async function runEventLoopBench(
  layers: number,
  samples: number,
  write: (line: string) => void = () => {},
): Promise<EventLoopRow[]> {
  write(
    `\nThe event loop during an async pruning step (onStepBeginAsync + after-step hook; magnitude, 4x1 global at 0.9), BERT-base shapes, ${layers} layers:`,
  );
  const rows: EventLoopRow[] = [];
  for (const afterStep of ['sync', 'async'] as const) rows.push(await benchEventLoop(layers, samples, afterStep));
  printTable(
    [
      [
        'after-step hook',
        'weights',
        'step ms',
        'longest block ms',
        'its CPU ms',
        'GC pause ms',
        'timer delay ms',
        'sync hooks ms',
      ],
      ...rows.map((row) => [
        row.afterStep === 'async' ? 'onAfterOptimizerStepAsync' : 'onAfterOptimizerStep',
        row.weights,
        fixed(row.hookMs, 1),
        fixed(row.longestBlockMs, 2),
        fixed(row.longestCpuMs, 2),
        fixed(row.longestGcMs, 2),
        fixed(row.longestGapMs, 2),
        fixed(row.syncHookMs, 1),
      ]),
    ],
    (line) => write(`  ${line}`),
  );
  return rows;
}
