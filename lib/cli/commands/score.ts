/**
 * `prunekit score`: scores the floating tensors of a safetensors model with one criterion, one hook call,
 * and writes the scores (F32, same names and shapes) to a new safetensors file.
 */
import type { CriterionConfig, Modules, NonFinitePolicy, PruningCriterion } from '../../index';
import { type SafetensorsTensor, tensorAsFloat32, writeSafetensors } from '../../io';
import type { Command } from '../command';
import { UsageError } from '../errors';
import { checkGrads, checkOutputPath, readInput } from '../inputs';
import { BUILTIN_CRITERIA } from '../criteria';
import { startProgress } from '../progress';
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
function configFromArgs(name: string, alpha: number | undefined, beta: number | undefined, policy: string): CriterionConfig {
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
    tensors: scored.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, elements: t.elements, min: num(t.stats.min), mean: num(t.stats.mean), max: num(t.stats.max) })),
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
  let text = formatTable(['name', 'shape', 'dtype', 'elements', 'min', 'mean', 'max'], rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right']);
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
      { name: 'criterion', short: 'c', value: 'NAME', required: true, description: 'magnitude, gradient, snip or snip_momentum' },
      { name: 'output', short: 'o', value: 'FILE', required: true, description: 'Where to write the scores (safetensors, F32)' },
      { name: 'grads', short: 'g', value: 'FILE', description: 'Gradients, same names and shapes (gradient, snip, snip_momentum)' },
      { name: 'alpha', value: 'A', type: 'number', description: 'snip_momentum: decay of the running score (default 0.9)' },
      { name: 'beta', value: 'B', type: 'number', description: 'snip_momentum: weight of the new term (default 1.0)' },
      { name: 'include', value: 'REGEX', repeatable: true, description: 'Score only tensors whose name matches' },
      { name: 'exclude', value: 'REGEX', repeatable: true, description: 'Do not score tensors whose name matches' },
      { name: 'on-non-finite', value: 'POLICY', description: 'skip (default: NaN/Inf terms leave that tensor at 0), error, or propagate' },
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
    const config = configFromArgs(name, args.number('alpha'), args.number('beta'), args.string('on-non-finite') ?? 'skip');
    // The native addon loads here, not at import, so `prunekit score --help` works without it.
    const lib = await import('../../index');
    try {
      lib.getCriterion(config, {}); // an unknown name fails here with the list of registered ones
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const criterionInfo = BUILTIN_CRITERIA[name];
    if (criterionInfo === undefined)
      throw new UsageError(`prunekit score runs the built-in criteria only (${Object.keys(BUILTIN_CRITERIA).join(', ')}), not "${name}"`);
    if (name !== 'snip_momentum' && (args.has('alpha') || args.has('beta')))
      throw new UsageError(`--alpha and --beta apply to snip_momentum only, not ${name}`);
    if (criterionInfo.grads && gradsPath === undefined)
      throw new UsageError(`${name} reads gradients: give them with --grads GRADS.safetensors`);
    if (!criterionInfo.grads && gradsPath !== undefined) throw new UsageError(`${name} does not read gradients: drop --grads`);

    checkOutputPath(output, '-o', 'the scores', [modelPath, gradsPath]);

    const model = readInput(modelPath, 'model');
    const { selected, skipped, excluded } = selectTensors(model.tensors.values(), include, exclude);
    if (selected.length === 0) {
      throw new Error(
        `nothing to score in ${modelPath}: ${model.tensors.size} tensors, ${excluded} left out by --include/--exclude, ` +
          `${skipped.length} not F32/F16/BF16`,
      );
    }
    const grads = gradsPath === undefined ? undefined : readInput(gradsPath, 'grads');
    if (grads !== undefined) checkGrads(selected, grads, gradsPath as string, name);

    const progress = startProgress(selected.length > 1 ? io.progressStream : undefined, 2 * selected.length);
    let criterion: PruningCriterion;
    const scored: ScoredTensor[] = [];
    try {
      // defineProperty: a tensor named "__proto__" becomes an entry, not the record's prototype.
      const modules: Modules = {};
      for (const t of selected) {
        const grad = grads === undefined ? undefined : tensorAsFloat32(grads.tensors.get(t.name) as SafetensorsTensor);
        const entry = { weight: tensorAsFloat32(t), grad, shape: t.shape };
        Object.defineProperty(modules, t.name, { value: entry, enumerable: true, writable: true, configurable: true });
        progress.tick('reading', t.name);
      }
      criterion = lib.getCriterion(config, modules);
      criterion[criterionInfo.hook]();
      for (const t of selected) {
        if (!Object.prototype.hasOwnProperty.call(criterion.scores, t.name))
          throw new Error(`tensor "${t.name}": the criterion produced no scores for it (a name its scores record cannot hold); leave it out with --exclude`);
        const scores = criterion.scores[t.name];
        scored.push({ name: t.name, shape: t.shape, dtype: t.dtype, elements: scores.length, stats: scoreStats(scores) });
        progress.tick('summarizing', t.name);
      }
    } finally {
      progress.stop();
    }

    const tensors = selected.map((t) => [t.name, { dtype: 'F32', shape: t.shape, data: criterion.scores[t.name] }] as const);
    try {
      writeSafetensors(output, tensors, { [CRITERION_KEY]: name });
    } catch (err) {
      throw new Error(`cannot write ${output}: ${(err as Error).message}`);
    }

    const nonFinite = criterion.lastNonFinite;
    if (nonFinite.length > 0) {
      const list = nonFinite.map(({ module, count }) => `${module} (${count})`).join(', ');
      io.stderr(`prunekit score: warning: NaN or Inf terms, these tensors keep score 0 (--on-non-finite skip): ${list}\n`);
    }
    const out = report(scored, skipped, excluded, nonFinite, { model: modelPath, grads: gradsPath ?? null, output, config });
    io.stdout(args.flag('json') ? JSON.stringify(out.json, null, 2) + '\n' : out.text);
    return 0;
  },
};
