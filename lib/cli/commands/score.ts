/**
 * `prunekit score`: scores the floating tensors of a safetensors model with one criterion, one hook call,
 * and writes the scores (F32, same names and shapes) to a new safetensors file.
 */
import type { CriterionConfig, Modules, NonFinitePolicy, PruningCriterion } from '../../index';
import {
  type Checkpoint,
  type CheckpointPlan,
  type CheckpointTensor,
  CheckpointWriter,
  indexNameOf,
  tensorAsFloat32,
} from '../../io';
import { ArgumentError, StateError } from '../../errors';
import type { Command } from '../command';
import { UsageError } from '../errors';
import { checkGrads, checkOutputFolder, checkOutputPath, openInput } from '../inputs';
import { BUILTIN_CRITERIA } from '../criteria';
import { startBytesProgress } from '../progress';
import { type SkippedTensor, compilePatterns, selectTensors } from '../select';
import { type ScoreStats, scoreStats } from '../stats';
import { formatNumber, formatTable } from '../table';

const POLICIES: readonly NonFinitePolicy[] = ['skip', 'error', 'propagate'];

/** Metadata key naming the criterion in the output file. */
const CRITERION_KEY = 'prunekit_criterion';

/** One scored tensor, as printed (table) and reported (`--json`). */
interface ScoredTensor {
  name: string;
  shape: number[];
  /** The input's dtype; the scores are always F32. */
  dtype: string;
  elements: number;
  stats: ScoreStats;
}

/** The criterion's config from the flags, checked before any file is read. */
function configFromArgs(
  name: string,
  alpha: number | undefined,
  beta: number | undefined,
  policy: string,
): CriterionConfig {
  if (!POLICIES.includes(policy as NonFinitePolicy))
    throw new UsageError(`--on-non-finite must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  const config: CriterionConfig = { criterion_type: name, on_non_finite: policy as NonFinitePolicy };
  if (alpha !== undefined) config.alpha = alpha;
  if (beta !== undefined) config.beta = beta;
  return config;
}

function report(
  scored: readonly ScoredTensor[],
  skipped: readonly SkippedTensor[],
  excluded: number,
  nonFinite: ReadonlyArray<{ module: string; count: number }>,
  context: { model: string; grads: string | null; output: string; config: CriterionConfig },
): { json: object; text: string } {
  // JSON has no NaN or Infinity: null, with `elements` telling an empty tensor from a non-finite one.
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  const json = {
    model: context.model,
    grads: context.grads,
    output: context.output,
    criterion: context.config.criterion_type,
    config: context.config,
    tensors: scored.map((t) => ({
      name: t.name,
      shape: t.shape,
      dtype: t.dtype,
      elements: t.elements,
      min: num(t.stats.min),
      mean: num(t.stats.mean),
      max: num(t.stats.max),
    })),
    skipped,
    excluded,
    non_finite: nonFinite.map(({ module, count }) => ({ name: module, count })),
  };
  const rows = scored.map((t) => [
    t.name,
    `[${t.shape.join(', ')}]`,
    t.dtype,
    String(t.elements),
    ...[t.stats.min, t.stats.mean, t.stats.max].map((x) => formatNumber(x, t.elements === 0)),
  ]);
  let text = formatTable(['name', 'shape', 'dtype', 'elements', 'min', 'mean', 'max'], rows, [
    'left',
    'left',
    'left',
    'right',
    'right',
    'right',
    'right',
  ]);
  const total = scored.reduce((n, t) => n + t.elements, 0);
  text += `\n${scored.length} tensor${scored.length === 1 ? '' : 's'}, ${total} scores (${context.config.criterion_type}) written to ${context.output}\n`;
  if (skipped.length > 0)
    text += `skipped, not F32/F16/BF16: ${skipped.map((s) => `${s.name} (${s.dtype} [${s.shape.join(', ')}])`).join(', ')}\n`;
  if (excluded > 0) text += `left out by --include/--exclude: ${excluded} tensor${excluded === 1 ? '' : 's'}\n`;
  return { json, text };
}

/** `prunekit score`. */
export const command: Command = {
  name: 'score',
  summary: 'Score the tensors of a safetensors model with a pruning criterion',
  usage: [
    'prunekit score MODEL.safetensors --criterion NAME -o SCORES.safetensors [--grads GRADS.safetensors]',
    '               [--alpha A] [--beta B] [--include REGEX]... [--exclude REGEX]... [--json]',
  ],
  description: [
    'Selects every F32, F16 and BF16 tensor of MODEL (F16/BF16 converted exactly to F32), biases and other ' +
      '1-D tensors included, filtered by --include/--exclude; other dtypes (integers, booleans, F64, F8) are ' +
      'skipped and listed. Runs the hook that computes the criterion once: magnitude |w| (onStepBegin); ' +
      'gradient |g|, snip |w*g| and snip_momentum beta*|w*g| from zero (onBeforeOptimizerStep), which read ' +
      'the same-named, same-shaped tensors of --grads.',
    'Writes the scores as F32 tensors with the input names and shapes to -o (atomically: the file appears ' +
      'complete or not at all), with metadata {"prunekit_criterion": NAME}, and prints a table of min/mean/max ' +
      'per tensor, or one JSON object with --json. A progress bar shows on stderr when it is a terminal.',
    'Regexes are JavaScript regular expressions searched anywhere in the tensor name: anchor them with ^ and $. ' +
      'A name is kept when it matches any --include (all names if none) and no --exclude.',
  ],
  examples: [
    'prunekit score model.safetensors --criterion magnitude -o scores.safetensors',
    'prunekit score model.safetensors --grads grads.safetensors --criterion snip_momentum --beta 1 \\',
    "    --include '^encoder\\.' --exclude 'bias$' -o scores.safetensors --json",
  ],
  args: {
    positionals: [{ name: 'MODEL.safetensors', description: 'The weights to score' }],
    options: [
      {
        name: 'criterion',
        short: 'c',
        value: 'NAME',
        required: true,
        description: 'magnitude, gradient, snip or snip_momentum',
      },
      {
        name: 'output',
        short: 'o',
        value: 'FILE',
        required: true,
        description: 'Where to write the scores (safetensors, F32)',
      },
      {
        name: 'grads',
        short: 'g',
        value: 'FILE',
        description: 'Gradients, same names and shapes (gradient, snip, snip_momentum)',
      },
      {
        name: 'alpha',
        value: 'A',
        type: 'number',
        description: 'snip_momentum: decay of the running score (default 0.9)',
      },
      { name: 'beta', value: 'B', type: 'number', description: 'snip_momentum: weight of the new term (default 1.0)' },
      { name: 'include', value: 'REGEX', repeatable: true, description: 'Score only tensors whose name matches' },
      { name: 'exclude', value: 'REGEX', repeatable: true, description: 'Do not score tensors whose name matches' },
      {
        name: 'on-non-finite',
        value: 'POLICY',
        description: 'skip (default: NaN/Inf terms leave that tensor at 0), error, or propagate',
      },
      { name: 'json', description: 'Print one JSON object instead of the table' },
    ],
  },

  async run(args, io) {
    const modelPath = args.positionals[0];
    const output = args.string('output') as string;
    const gradsPath = args.string('grads');
    const name = args.string('criterion') as string;
    const include = compilePatterns(args.list('include'), '--include');
    const exclude = compilePatterns(args.list('exclude'), '--exclude');
    const config = configFromArgs(
      name,
      args.number('alpha'),
      args.number('beta'),
      args.string('on-non-finite') ?? 'skip',
    );
    // The native addon loads here, not at import, so `prunekit score --help` works without it.
    const lib = await import('../../index');
    try {
      lib.getCriterion(config, {}); // an unknown name fails here with the list of registered ones
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const criterionInfo = BUILTIN_CRITERIA[name];
    if (criterionInfo === undefined)
      throw new UsageError(
        `prunekit score runs the built-in criteria only (${Object.keys(BUILTIN_CRITERIA).join(', ')}), not "${name}"`,
      );
    if (name !== 'snip_momentum' && (args.has('alpha') || args.has('beta')))
      throw new UsageError(`--alpha and --beta apply to snip_momentum only, not ${name}`);
    if (criterionInfo.grads && gradsPath === undefined)
      throw new UsageError(`${name} reads gradients: give them with --grads GRADS.safetensors`);
    if (!criterionInfo.grads && gradsPath !== undefined)
      throw new UsageError(`${name} does not read gradients: drop --grads`);

    const model = openInput(modelPath, 'model');
    let grads: Checkpoint | undefined;
    let writer: CheckpointWriter | undefined;
    let progress = startBytesProgress(undefined, 0);
    const scored: ScoredTensor[] = [];
    const nonFinite: Array<{ module: string; count: number }> = [];
    let selection: ReturnType<typeof selectTensors<CheckpointTensor>>;
    try {
      if (model.kind === 'sharded') checkOutputFolder(output, '-o', [model]);
      else checkOutputPath(output, '-o', 'the scores', [model.path, gradsPath]);
      selection = selectTensors(model.tensors, include, exclude);
      const { selected, skipped, excluded } = selection;
      if (selected.length === 0) {
        throw new ArgumentError(
          `nothing to score in ${modelPath}: ${model.tensors.length} tensors, ${excluded} left out by --include/--exclude, ` +
            `${skipped.length} not F32/F16/BF16`,
        );
      }
      let gradsByName: Map<string, CheckpointTensor> | undefined;
      if (gradsPath !== undefined) {
        grads = openInput(gradsPath, 'grads');
        gradsByName = checkGrads(selected, grads, gradsPath, name);
      }
      const { plan, slot } = scoresPlan(model, selected, { [CRITERION_KEY]: name });
      writer = CheckpointWriter.create(output, plan);
      progress = startBytesProgress(
        selected.length > 1 ? io.progressStream : undefined,
        selected.reduce((n, t) => n + t.byteLength, 0),
      );
      for (const t of selected) {
        const g = gradsByName?.get(t.name);
        const grad =
          g === undefined
            ? undefined
            : tensorAsFloat32({ name: g.name, dtype: g.dtype, data: (grads as Checkpoint).read(g) });
        const entry = {
          weight: tensorAsFloat32({ name: t.name, dtype: t.dtype, data: model.read(t) }),
          grad,
          shape: t.shape,
        };
        // defineProperty: a tensor named "__proto__" becomes an entry, not the record's prototype.
        const modules: Modules = {};
        Object.defineProperty(modules, t.name, { value: entry, enumerable: true, writable: true, configurable: true });
        // The criteria are elementwise: one tensor at a time gives the scores of the whole model at once.
        const criterion: PruningCriterion = lib.getCriterion(config, modules);
        criterion[criterionInfo.hook]();
        if (!Object.prototype.hasOwnProperty.call(criterion.scores, t.name))
          throw new StateError(
            `tensor "${t.name}": the criterion produced no scores for it (a name its scores record cannot hold); leave it out with --exclude`,
          );
        const scores = criterion.scores[t.name];
        nonFinite.push(...criterion.lastNonFinite);
        scored.push({
          name: t.name,
          shape: t.shape,
          dtype: t.dtype,
          elements: scores.length,
          stats: scoreStats(scores),
        });
        writer.write(slot[t.shard], t.name, new Uint8Array(scores.buffer, scores.byteOffset, scores.byteLength));
        progress.advance(t.byteLength, 'scoring', t.name);
      }
      writer.finish();
      writer.publish();
    } catch (err) {
      writer?.discard();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EFBIG')
        throw new ArgumentError(
          `cannot write ${output}: ${code === 'ENOSPC' ? 'no space left on the device' : 'the file is larger than allowed (ulimit -f)'} (nothing was written)`,
        );
      throw err;
    } finally {
      progress.stop();
      model.close();
      grads?.close();
    }
    const { skipped, excluded } = selection;

    if (nonFinite.length > 0) {
      const list = nonFinite.map(({ module, count }) => `${module} (${count})`).join(', ');
      io.stderr(
        `prunekit score: warning: NaN or Inf terms, these tensors keep score 0 (--on-non-finite skip): ${list}\n`,
      );
    }
    const out = report(scored, skipped, excluded, nonFinite, {
      model: modelPath,
      grads: gradsPath ?? null,
      output,
      config,
    });
    io.stdout(args.flag('json') ? JSON.stringify(out.json, null, 2) + '\n' : out.text);
    return 0;
  },
};

/** The scores' layout: the selected tensors as F32, in the model's shards (shards left empty are not written). */
function scoresPlan(
  model: Checkpoint,
  selected: readonly CheckpointTensor[],
  metadata: Record<string, string>,
): { plan: CheckpointPlan; slot: number[] } {
  const specsOf = (shard: number) =>
    selected.filter((t) => t.shard === shard).map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape }));
  if (model.kind === 'file')
    return { plan: { kind: 'file', shard: { name: model.shardNames[0], specs: specsOf(0), metadata } }, slot: [0] };
  const all = model.shardNames.map((name, i) => ({ name, specs: specsOf(i), metadata }));
  const shards = all.filter((s) => s.specs.length > 0);
  const slot = all.map((s) => shards.indexOf(s));
  const totalSize = selected.reduce(
    (n, t) => n + t.byteLength * (4 / ({ F32: 4, F16: 2, BF16: 2 } as Record<string, number>)[t.dtype]),
    0,
  );
  return {
    plan: {
      kind: 'sharded',
      indexName: indexNameOf(model.path),
      indexMetadata: { ...metadata, total_size: totalSize },
      shards,
    },
    slot,
  };
}
