/**
 * `prunekit prune`: one-shot pruning of a safetensors checkpoint. Scores the prunable tensors once with a
 * criterion, selects to the target sparsity under a pattern (`pruneOneShot`), and writes the whole model
 * back with the pruned weights zeroed, every other tensor byte for byte as it was.
 */
import {
  type Checkpoint,
  type CheckpointPlan,
  type CheckpointTensor,
  CheckpointWriter,
  SafetensorsWriter,
  indexNameOf,
} from '../../io';
import type { JsonValue } from '../../io/strict-json';
import { ArgumentError, NonFiniteError, PrunekitError } from '../../errors';
import {
  DEFAULT_ONE_SHOT_CRITERION,
  DEFAULTS,
  parseStepOptions,
  type Scope,
  type StepOptions,
  type TieMode,
  type Wording,
} from '../../pruning/options';
import { layerSkipReason, type ReduceType } from '../../pruning/patterns';
import type { LayerSparsity } from '../../pruning/sparsity';
import type { Command } from '../command';
import { UsageError } from '../errors';
import { canonical, checkGrads, checkOutputFolder, checkOutputPath, openInput } from '../inputs';
import { BUILTIN_CRITERIA } from '../criteria';
import { startBytesProgress } from '../progress';
import { compilePatterns, selectTensors } from '../select';
import { formatNumber, formatTable } from '../table';

/** Metadata key of the output (and masks) file: the options, as JSON. */
const PRUNED_KEY = 'prunekit_pruned';

/** A tensor that passed the name filters and is written back unchanged, with why. */
interface DenseTensor {
  name: string;
  dtype: string;
  shape: number[];
  reason: string;
}

/** The options as recorded in the output's metadata and in the `--json` report (snake_case, as the config). */
interface PruneOptions {
  sparsity: number;
  pattern: string;
  scope: Scope;
  criterion: string;
  criterion_reduce_type: ReduceType;
  tie_mode: TieMode;
  max_sparsity_ratio_per_op: number;
  min_sparsity_ratio_per_op: number;
  include: string[];
  exclude: string[];
}

/** The option checks are the library's (lib/pruning/options.ts); the CLI words them with its flags. */
const FLAG_WORDING: Wording = {
  ratio: (flag, value) => `${flag} must be a ratio in [0, 1], got ${String(value)}`,
  choice: (flag, value, accepted) => `${flag} must be one of ${accepted.join(', ')}, got ${JSON.stringify(value)}`,
  pattern: (flag, why) => `${flag}: ${why}`,
  bounds: (min, max) => `${min.name} ${min.value} is above ${max.name} ${max.value}`,
  reach: (flag, value, p) =>
    `${flag} ${value} is above what pattern "${p.name}" can reach (${p.n} of every ${p.m} = ${p.n / p.m})`,
};

const FLAGS = {
  ratio: '--sparsity',
  pattern: '--pattern',
  scope: '--scope',
  tieMode: '--tie-mode',
  reduce: '--reduce',
  max: '--max-per-layer',
  min: '--min-per-layer',
};

/** Every option checked, before any file is read. */
function optionsFromArgs(args: Parameters<Command['run']>[0]): { options: PruneOptions; step: StepOptions } {
  const criterion = args.string('criterion') ?? DEFAULT_ONE_SHOT_CRITERION;
  let step: StepOptions;
  try {
    step = parseStepOptions(
      {
        ratio: args.number('sparsity'), // required: the parser checked it is there
        pattern: args.string('pattern'),
        scope: args.string('scope'),
        tieMode: args.string('tie-mode'),
        reduce: args.string('reduce'),
        max: args.number('max-per-layer'),
        min: args.number('min-per-layer'),
      },
      FLAGS,
      FLAG_WORDING,
    );
  } catch (err) {
    throw err instanceof PrunekitError ? new UsageError(err.message) : err;
  }
  if (!Object.prototype.hasOwnProperty.call(BUILTIN_CRITERIA, criterion))
    throw new UsageError(
      `--criterion must be one of ${Object.keys(BUILTIN_CRITERIA).join(', ')}, got ${JSON.stringify(criterion)}`,
    );
  const options: PruneOptions = {
    sparsity: step.ratio,
    pattern: args.string('pattern') ?? DEFAULTS.pattern,
    scope: step.scope,
    criterion,
    criterion_reduce_type: step.reduce,
    tie_mode: step.tieMode,
    max_sparsity_ratio_per_op: step.maxRatio,
    min_sparsity_ratio_per_op: step.minRatio,
    include: args.list('include'),
    exclude: args.list('exclude'),
  };
  return { options, step };
}

function report(
  layers: ReadonlyArray<LayerSparsity & { dtype: string }>,
  total: { elements: number; pruned: number; elementSparsity: number; blockSparsity: number },
  dense: readonly DenseTensor[],
  excluded: number,
  context: { model: string; grads: string | null; output: string; masks: string | null; options: PruneOptions },
): { json: object; text: string } {
  const json = {
    model: context.model,
    grads: context.grads,
    output: context.output,
    masks: context.masks,
    options: context.options,
    layers: layers.map((l) => ({
      name: l.name,
      shape: l.shape,
      dtype: l.dtype,
      pattern: context.options.pattern,
      elements: l.elements,
      pruned: l.pruned,
      sparsity: l.elementSparsity,
      blocks: l.blocks,
      pruned_blocks: l.prunedBlocks,
      block_sparsity: l.blockSparsity,
    })),
    total: {
      elements: total.elements,
      pruned: total.pruned,
      sparsity: total.elementSparsity,
      block_sparsity: total.blockSparsity,
    },
    skipped: dense,
    excluded,
  };
  const pattern = context.options.pattern;
  const rows = layers.map((l) => [
    l.name,
    `[${l.shape.join(', ')}]`,
    pattern,
    String(l.elements),
    String(l.pruned),
    formatNumber(l.elementSparsity),
    formatNumber(l.blockSparsity),
  ]);
  rows.push([
    'total',
    '',
    '',
    String(total.elements),
    String(total.pruned),
    formatNumber(total.elementSparsity),
    formatNumber(total.blockSparsity),
  ]);
  const header = ['name', 'shape', 'pattern', 'elements', 'pruned', 'sparsity', 'block sparsity'];
  let text = formatTable(header, rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right']);
  const { options } = context;
  text +=
    `\n${layers.length} tensor${layers.length === 1 ? '' : 's'} pruned to sparsity ${formatNumber(total.elementSparsity)} ` +
    `(target ${options.sparsity}, ${options.criterion}, ${options.scope}), model written to ${context.output}\n`;
  if (context.masks !== null) text += `keep masks (U8, 1 kept) written to ${context.masks}\n`;
  if (dense.length > 0)
    text += `left dense:\n${dense.map((d) => `  ${d.name} (${d.dtype} [${d.shape.join(', ')}]): ${d.reason}\n`).join('')}`;
  if (excluded > 0)
    text += `left out by --include/--exclude (copied unchanged): ${excluded} tensor${excluded === 1 ? '' : 's'}\n`;
  return { json, text };
}

/** `prunekit prune`. */
export const command: Command = {
  name: 'prune',
  summary: 'Prune a safetensors model to a target sparsity in one shot',
  usage: [
    'prunekit prune MODEL.safetensors -o OUT.safetensors --sparsity R [--pattern P]',
    '               [--scope global|local] [--criterion NAME] [--grads GRADS.safetensors]',
    '               [--reduce mean|sum|max] [--tie-mode exact|threshold] [--max-per-layer R]',
    '               [--min-per-layer R] [--include REGEX]... [--exclude REGEX]...',
    '               [--masks MASKS.safetensors] [--json]',
  ],
  description: [
    'Prunes the F32, F16 and BF16 tensors of MODEL selected by --include/--exclude that the pattern can prune: ' +
      '2-D [out, in] weights and 4-D conv weights [cout, cin, kh, kw] (viewed as [cout, kh*kw*cin]) whose 2-D view ' +
      'the block divides. 1-D tensors (biases, norms), other ranks and tensors the block does not divide are left ' +
      'dense and listed with the reason. Scores are computed once with the criterion: magnitude |w| (default); ' +
      'gradient |g|, snip |w*g| and snip_momentum (one step from zero) read the same-named, same-shaped tensors ' +
      'of --grads. NaN or Inf terms in the scores are an error.',
    'Patterns: "NxM" blocks (N rows along the output axis, M columns along the input axis; "1x1" is unstructured, ' +
      '"channelx1"/"1xchannel" whole columns/rows) or "N:M" (N of every M consecutive input-axis weights pruned, so ' +
      'the sparsity is at most N/M). Block scores are reduced with --reduce. --scope global ranks all tensors together, ' +
      `local each on its own; --max-per-layer (default ${DEFAULTS.max_sparsity_ratio_per_op}) caps a tensor and --min-per-layer (default ${DEFAULTS.min_sparsity_ratio_per_op}) floors it. ` +
      '--tie-mode exact prunes exactly floor(R * count) blocks; threshold prunes every score <= the threshold (the ' +
      "reference's rule, which over-prunes ties).",
    'Writes OUT (atomically) with every tensor of MODEL in the same order and dtype: the pruned ones with the pruned ' +
      'elements set to +0 (F16/BF16 zeroed in their own 16 bits, kept elements bit for bit as they were), all others ' +
      'byte for byte as read; the metadata of MODEL plus {"prunekit_pruned": the options as JSON}. --masks also writes ' +
      'the keep masks (U8, 1 kept, 0 pruned, named and shaped like the weights). Prints a table per pruned tensor ' +
      '(element-wise and block sparsity), totals and the tensors left dense, or one JSON object with --json. A ' +
      'progress bar shows on stderr when it is a terminal.',
    'Regexes are JavaScript regular expressions searched anywhere in the tensor name: anchor them with ^ and $. ' +
      'A name is pruned when it matches any --include (all names if none) and no --exclude; the others are copied unchanged.',
  ],
  examples: [
    'prunekit prune model.safetensors --sparsity 0.9 -o pruned.safetensors',
    "prunekit prune model.safetensors --sparsity 0.5 --pattern 2:4 --exclude '^lm_head\\.' -o pruned.safetensors",
    'prunekit prune model.safetensors --grads grads.safetensors --criterion snip_momentum --sparsity 0.8 \\',
    '    --pattern 1x1 --scope local --masks masks.safetensors -o pruned.safetensors --json',
  ],
  args: {
    positionals: [{ name: 'MODEL.safetensors', description: 'The checkpoint to prune' }],
    options: [
      {
        name: 'output',
        short: 'o',
        value: 'FILE',
        required: true,
        description: 'Where to write the pruned model (safetensors)',
      },
      {
        name: 'sparsity',
        short: 's',
        value: 'R',
        type: 'number',
        required: true,
        description: 'Target sparsity, a ratio in [0, 1]',
      },
      {
        name: 'pattern',
        short: 'p',
        value: 'P',
        description: `NxM block or N:M pattern (default ${DEFAULTS.pattern})`,
      },
      {
        name: 'scope',
        value: 'SCOPE',
        description: 'global (default: one ranking across tensors) or local (per tensor)',
      },
      {
        name: 'criterion',
        short: 'c',
        value: 'NAME',
        description: 'magnitude (default), gradient, snip or snip_momentum',
      },
      {
        name: 'grads',
        short: 'g',
        value: 'FILE',
        description: 'Gradients, same names and shapes (gradient, snip, snip_momentum)',
      },
      { name: 'reduce', value: 'TYPE', description: 'Block score reduction: mean (default), sum or max' },
      {
        name: 'tie-mode',
        value: 'MODE',
        description: 'exact (default: exactly floor(R * count) blocks) or threshold (prune all <= threshold)',
      },
      {
        name: 'max-per-layer',
        value: 'R',
        type: 'number',
        description: `Highest sparsity of one tensor (default ${DEFAULTS.max_sparsity_ratio_per_op})`,
      },
      {
        name: 'min-per-layer',
        value: 'R',
        type: 'number',
        description: `Lowest sparsity of one tensor (default ${DEFAULTS.min_sparsity_ratio_per_op})`,
      },
      { name: 'include', value: 'REGEX', repeatable: true, description: 'Prune only tensors whose name matches' },
      { name: 'exclude', value: 'REGEX', repeatable: true, description: 'Do not prune tensors whose name matches' },
      {
        name: 'masks',
        short: 'm',
        value: 'FILE',
        description: 'Also write the keep masks (U8, 1 kept, 0 pruned) to FILE',
      },
      { name: 'json', description: 'Print one JSON object instead of the table' },
    ],
  },

  async run(args, io) {
    const modelPath = args.positionals[0];
    const output = args.string('output') as string;
    const gradsPath = args.string('grads');
    const masksPath = args.string('masks');
    const include = compilePatterns(args.list('include'), '--include');
    const exclude = compilePatterns(args.list('exclude'), '--exclude');
    const { options, step } = optionsFromArgs(args);
    const { pattern } = step;
    const needsGrads = BUILTIN_CRITERIA[options.criterion].grads;
    if (needsGrads && gradsPath === undefined)
      throw new UsageError(`${options.criterion} reads gradients: give them with --grads GRADS.safetensors`);
    if (!needsGrads && gradsPath !== undefined)
      throw new UsageError(`${options.criterion} does not read gradients: drop --grads`);
    if (masksPath !== undefined && canonical(masksPath) === canonical(output))
      throw new UsageError(`--masks and -o name the same file ${output}: give two files`);

    // The native addon loads here, not at import, so `prunekit prune --help` works without it.
    const { streamPrune, DEFAULT_SCORE_BUDGET: defaultBudget } = await import('../stream-prune');

    const model = openInput(modelPath, 'model');
    let grads: Checkpoint | undefined;
    let writer: CheckpointWriter | undefined;
    let masksWriter: SafetensorsWriter | undefined;
    const progress = startBytesProgress(io.progressStream, model.dataBytes);
    try {
      if (model.kind === 'sharded') checkOutputFolder(output, '-o', [model]);
      else checkOutputPath(output, '-o', 'the pruned model', [model.path, gradsPath]);
      if (masksPath !== undefined) checkOutputPath(masksPath, '--masks', 'the masks', [model.path, gradsPath]);

      const { selected, skipped, excluded } = selectTensors(model.tensors, include, exclude);
      const dense: DenseTensor[] = skipped.map((s) => ({
        ...s,
        reason: `dtype ${s.dtype}: only F32, F16 and BF16 tensors are pruned`,
      }));
      const prunable: CheckpointTensor[] = [];
      for (const t of selected) {
        const reason = layerSkipReason(pattern, t.shape);
        if (reason === null) prunable.push(t);
        else dense.push({ name: t.name, dtype: t.dtype, shape: t.shape, reason });
      }
      // Dense tensors in model order, whatever made them dense.
      const order = new Map(model.tensors.map((t, i) => [t.name, i]));
      dense.sort((a, b) => (order.get(a.name) as number) - (order.get(b.name) as number));
      if (prunable.length === 0) {
        throw new ArgumentError(
          `nothing to prune in ${modelPath}: ${model.tensors.length} tensors, ${excluded} left out by --include/--exclude, ` +
            `${skipped.length} not F32/F16/BF16, ${selected.length} not prunable with pattern "${options.pattern}" ` +
            '(only 2-D and 4-D tensors the block divides are)',
        );
      }
      let gradsByName: Map<string, CheckpointTensor> | undefined;
      if (gradsPath !== undefined) {
        grads = openInput(gradsPath, 'grads');
        gradsByName = checkGrads(prunable, grads, gradsPath, options.criterion);
      }

      // Every output's temporary is created (and its folder found writable) before any work, and nothing
      // appears under an output's name until all of them are complete.
      const record = JSON.stringify(options);
      writer = CheckpointWriter.create(output, outputPlan(model, record));
      if (masksPath !== undefined)
        masksWriter = SafetensorsWriter.create(
          masksPath,
          prunable.map((t) => ({ name: t.name, dtype: 'U8' as const, shape: t.shape })),
          { [PRUNED_KEY]: record },
        );

      const out = writer;
      const sink = {
        // Written behind on libuv's thread pool while the next tensor is pruned (the masks are small: at once).
        tensor: (t: CheckpointTensor, bytes: Uint8Array) => out.writeAsync(t.shard, t.name, bytes),
        mask: (t: CheckpointTensor, keep: Uint8Array) => masksWriter?.write(t.name, keep),
      };
      let result: Awaited<ReturnType<typeof streamPrune>>;
      try {
        result = await streamPrune(
          model,
          prunable,
          grads === undefined ? undefined : { checkpoint: grads, byName: gradsByName as Map<string, CheckpointTensor> },
          {
            sparsity: options.sparsity,
            pattern,
            criterion: options.criterion,
            scope: options.scope,
            reduce: options.criterion_reduce_type,
            tieMode: options.tie_mode,
            maxPerLayer: step.stepMaxRatio,
            minPerLayer: step.minRatio,
            scoreBudgetBytes: scoreBudget(io.env.PRUNEKIT_SCORE_BUDGET, defaultBudget),
          },
          sink,
          progress,
        );
      } catch (err) {
        if (!(err instanceof NonFiniteError)) throw err;
        const list = err.counts.map(({ module, count }) => `tensor "${module}" (${count} of them)`).join(', ');
        throw new ArgumentError(
          `cannot rank the ${needsGrads ? 'weights and gradients' : 'weights'}: NaN or Inf scores (${options.criterion}) in ${list}; ` +
            `fix or --exclude ${err.counts.length === 1 ? 'it' : 'them'}`,
        );
      }
      await writer.finishAsync();
      masksWriter?.finish();
      writer.publish();
      masksWriter?.publish();
      progress.stop();

      const rep = report(result.layers, result.total, dense, excluded, {
        model: modelPath,
        grads: gradsPath ?? null,
        output,
        masks: masksPath ?? null,
        options,
      });
      io.stdout(args.flag('json') ? JSON.stringify(rep.json, null, 2) + '\n' : rep.text);
      return 0;
    } catch (err) {
      writer?.discard();
      masksWriter?.discard();
      throw writeError(err, output);
    } finally {
      progress.stop();
      model.close();
      grads?.close();
    }
  },
};

/** PRUNEKIT_SCORE_BUDGET (bytes of F32 scores global scope may hold; past it, histogram rounds re-read the model). */
function scoreBudget(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(
      `PRUNEKIT_SCORE_BUDGET must be a number of bytes (a non-negative integer), got ${JSON.stringify(value)}`,
    );
  return n;
}

/** An I/O failure while writing becomes one line naming the output (a full disk, a file too large). */
function writeError(err: unknown, output: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC')
    return new ArgumentError(`cannot write ${output}: no space left on the device (nothing was written)`);
  if (code === 'EFBIG')
    return new ArgumentError(
      `cannot write ${output}: the file is larger than allowed (ulimit -f; nothing was written)`,
    );
  if (code === 'EACCES' || code === 'EROFS')
    return new ArgumentError(`cannot write ${output}: ${(err as Error).message}`);
  return err;
}

/** The output's layout: the model's tensors, shards and order, and its metadata plus the options record. */
function outputPlan(model: Checkpoint, record: string): CheckpointPlan {
  const withRecord = (metadata: Record<string, string>) => {
    const md: Record<string, string> = { ...metadata };
    // defineProperty: a key such as "__proto__" stays a plain entry.
    Object.defineProperty(md, PRUNED_KEY, { value: record, enumerable: true, writable: true, configurable: true });
    return md;
  };
  const specsOf = (shard: number) =>
    model.tensors.filter((t) => t.shard === shard).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
  if (model.kind === 'file')
    return {
      kind: 'file',
      shard: { name: model.shardNames[0], specs: specsOf(0), metadata: withRecord(model.shards[0].metadata) },
    };
  const indexMetadata: Record<string, JsonValue | string> = { ...model.metadata };
  Object.defineProperty(indexMetadata, PRUNED_KEY, {
    value: record,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return {
    kind: 'sharded',
    indexName: indexNameOf(model.path),
    indexMetadata,
    shards: model.shardNames.map((name, i) => ({
      name,
      specs: specsOf(i),
      metadata: withRecord(model.shards[i].metadata),
    })),
  };
}
