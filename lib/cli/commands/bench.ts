/** `prunekit bench`: the kernel benchmark of this machine (the same as `npm run bench`). */
import type { Command } from '../command';
import { UsageError } from '../errors';

/** `prunekit bench [--quick] [--json] [--sizes N,N,...] [--layers L] [--samples S] [--rounds R] [--no-compare]`. */
export const command: Command = {
  name: 'bench',
  summary: 'Benchmark the scoring kernels on every instruction set',
  usage: ['prunekit bench [--quick] [--json] [--sizes N,N,...] [--layers L] [--samples S] [--rounds R] [--no-compare]'],
  description: [
    'Times each criterion per element at sizes that live in L1, L2, the last-level cache and DRAM (4K, 256K, ' +
      '4M and 16M floats), on every instruction set this CPU has, side by side with a plain JavaScript loop and ' +
      'the memory roof (a native kernel moving the same bytes with no arithmetic); the per-call cost on a small ' +
      'module; one step of a BERT-base-shaped model (85M weights); and global top-k selection with mask emission ' +
      'on 1M and 16M scores against a sort-based JavaScript baseline. Figures are medians of several samples.',
    'The full run needs about 1.5 GB of memory and a few minutes; --quick is a smoke run of a few seconds.',
  ],
  examples: ['prunekit bench --quick', 'prunekit bench --json > bench.json'],
  args: {
    positionals: [],
    options: [
      { name: 'quick', description: 'Small sizes, a 1-layer model and 3 samples' },
      { name: 'json', description: 'Print the report as JSON on stdout (the tables go to stderr)' },
      { name: 'sizes', value: 'N,N,...', description: 'Element counts of the scoring grid' },
      {
        name: 'layers',
        value: 'L',
        type: 'number',
        description: 'BERT layers of the whole-model figures (0: none; default 12)',
      },
      { name: 'samples', value: 'S', type: 'number', description: 'Samples per figure (default 7)' },
      {
        name: 'rounds',
        value: 'R',
        type: 'number',
        description: 'Interleaved rounds of the scoring grid, PyTorch and tfjs; medians (default 1)',
      },
      { name: 'no-compare', description: 'Skip the PyTorch and tfjs-wasm columns' },
    ],
  },
  async run(args, io) {
    const quick = args.flag('quick');
    const sizes = args
      .string('sizes')
      ?.split(',')
      .map((s) => Number(s.trim()));
    if (sizes && !sizes.every((n) => Number.isInteger(n) && n > 0))
      throw new UsageError(`--sizes expects positive integers separated by commas, got ${args.string('sizes')}`);
    const layers = args.number('layers') ?? (quick ? 1 : 12);
    const samples = args.number('samples') ?? (quick ? 3 : 7);
    if (!Number.isInteger(layers) || layers < 0) throw new UsageError(`--layers expects a whole number, got ${layers}`);
    if (!Number.isInteger(samples) || samples < 1)
      throw new UsageError(`--samples expects a positive whole number, got ${samples}`);
    const { runBench, runEventLoopBench } = await import('../../bench/run');
    const json = args.flag('json');
    const write = (line: string) => (json ? io.stderr : io.stdout)(`${line}\n`);
    const report = runBench({
      sizes: sizes ?? (quick ? [4096, 262_144] : undefined),
      selectionSizes: quick ? [1 << 16] : undefined,
      modelLayers: layers,
      samples,
      rounds: args.number('rounds') ?? 1,
      compare: !args.flag('no-compare'),
      write,
    });
    const eventLoop = layers > 0 ? await runEventLoopBench(layers, Math.min(samples, 5), write) : null;
    if (json) io.stdout(`${JSON.stringify({ ...report, eventLoop }, null, 2)}\n`);
    return 0;
  },
};
