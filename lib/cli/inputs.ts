/**
 * Input and output files of the commands that read a model (`prunekit score`, `prunekit prune`): reading a
 * safetensors input with one-line errors, checking a gradients file against the weights, and refusing an
 * output path that names an input or cannot be written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type Checkpoint,
  type CheckpointTensor,
  type SafetensorsFile,
  SafetensorsError,
  openCheckpoint,
  readSafetensors,
  checkOutputDir,
} from '../io';
import { ArgumentError, ShapeError } from '../errors';
import { UsageError } from './errors';
import { FLOAT_DTYPES } from './select';

/** Resolves symlinks when the file exists, so an output cannot name an input through another path. */
export function canonical(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/**
 * Opens an input checkpoint (a file, an index or a folder); its problems become one line that says which
 * input and what happened. The tensors are read later, one at a time.
 * @param what - The input's role in messages: `model`, `grads`.
 * @example
 * const model = openInput('model.safetensors', 'model');
 */
export function openInput(file: string, what: string): Checkpoint {
  try {
    return openCheckpoint(file);
  } catch (err) {
    throw inputError(err, file, what);
  }
}

function inputError(err: unknown, file: string, what: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (
    code === 'ENOENT' ||
    (err instanceof SafetensorsError && err.source === file && /^.*: does not exist$/.test(err.message))
  )
    return new ArgumentError(`the ${what} file ${file} does not exist`);
  if (code === 'EISDIR') return new ArgumentError(`the ${what} file ${file} is a directory`);
  if (code === 'EACCES') return new ArgumentError(`cannot read the ${what} file ${file}: permission denied`);
  if (err instanceof SafetensorsError)
    return new SafetensorsError(`the ${what} file is not valid safetensors: ${err.message}`);
  return new ArgumentError(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
}

/**
 * Reads an input file whole (small files, tests); file-system errors become one line that says which input
 * and what happened.
 * @param what - The input's role in messages: `model`, `grads`.
 */
export function readInput(file: string, what: string): SafetensorsFile {
  try {
    return readSafetensors(file);
  } catch (err) {
    throw inputError(err, file, what);
  }
}

/**
 * Every tensor of `selected` must have a floating, same-shaped gradient in `grads`; all problems are reported
 * at once (the first ten).
 * @returns The gradient of each selected tensor, by name.
 * @throws ShapeError naming each tensor without a fitting gradient.
 */
export function checkGrads(
  selected: ReadonlyArray<{ name: string; shape: number[] }>,
  grads: Checkpoint,
  gradsPath: string,
  criterion: string,
): Map<string, CheckpointTensor> {
  const byName = new Map(grads.tensors.map((t) => [t.name, t]));
  const found = new Map<string, CheckpointTensor>();
  const problems: string[] = [];
  for (const t of selected) {
    const g = byName.get(t.name);
    if (g === undefined) problems.push(`tensor "${t.name}": no tensor of that name in ${gradsPath}`);
    else if (!FLOAT_DTYPES.includes(g.dtype))
      problems.push(`tensor "${t.name}": its gradient has dtype ${g.dtype}, expected F32, F16 or BF16`);
    else if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i]))
      problems.push(
        `tensor "${t.name}": gradient shape [${g.shape.join(', ')}] does not match weight shape [${t.shape.join(', ')}]`,
      );
    else found.set(t.name, g);
  }
  if (problems.length === 0) return found;
  const shown = problems.slice(0, 10);
  if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
  throw new ShapeError(
    `${criterion} reads gradients, and ${gradsPath} does not fit the model:\n  ${shown.join('\n  ')}`,
  );
}

/**
 * Checks an output path before any work: it must not be one of `inputs` (a usage error, exit 2), and its
 * folder must exist and the path must not be a directory (runtime errors, exit 1).
 * @param flag - How the output was given, for messages: `-o`, `--masks`.
 * @param what - What is written there, for messages: `the scores`.
 * @example
 * checkOutputPath(output, '-o', 'the scores', [modelPath, gradsPath]);
 */
export function checkOutputPath(
  output: string,
  flag: string,
  what: string,
  inputs: ReadonlyArray<string | undefined>,
): void {
  const outputCanonical = canonical(output);
  for (const input of inputs) {
    if (input !== undefined && canonical(input) === outputCanonical)
      throw new UsageError(`${flag} ${output} is also an input: write ${what} to another file`);
  }
  const outputDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outputDir))
    throw new ArgumentError(`cannot write ${output}: the folder ${outputDir} does not exist`);
  if (fs.existsSync(output) && fs.statSync(output).isDirectory())
    throw new ArgumentError(`cannot write ${output}: it is a directory`);
  try {
    fs.accessSync(outputDir, fs.constants.W_OK);
  } catch {
    throw new ArgumentError(`cannot write ${output}: the folder ${outputDir} is not writable`);
  }
}

/**
 * Checks a sharded output before any work: not an input's folder, and a folder that does not exist yet or
 * is empty (nothing is ever written into a folder holding other files).
 * @throws UsageError when it is an input's folder; ArgumentError when it cannot take the output.
 */
export function checkOutputFolder(output: string, flag: string, inputs: ReadonlyArray<Checkpoint | undefined>): void {
  const outputCanonical = canonical(output);
  for (const input of inputs) {
    if (input !== undefined && canonical(path.dirname(input.path)) === outputCanonical)
      throw new UsageError(`${flag} ${output} is the folder of the input ${input.path}: write to another folder`);
  }
  try {
    checkOutputDir(output);
  } catch (err) {
    throw new ArgumentError(`cannot write ${output}: ${(err as Error).message.replace(/^[^:]*: /, '')}`);
  }
  try {
    fs.accessSync(path.dirname(path.resolve(output)), fs.constants.W_OK);
  } catch {
    throw new ArgumentError(`cannot write ${output}: the folder ${path.dirname(path.resolve(output))} is not writable`);
  }
}
