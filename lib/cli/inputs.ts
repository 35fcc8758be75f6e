/**
 * Input and output files of the commands that read a model (`prunekit score`, `prunekit prune`): reading a
 * safetensors input with one-line errors, checking a gradients file against the weights, and refusing an
 * output path that names an input or cannot be written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type SafetensorsFile, SafetensorsError, type SafetensorsTensor, readSafetensors } from '../io';
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
 * Reads an input file; file-system errors become one line that says which input and what happened.
 * @param what - The input's role in messages: `model`, `grads`.
 * @example
 * const model = readInput('model.safetensors', 'model');
 */
export function readInput(file: string, what: string): SafetensorsFile {
  try {
    return readSafetensors(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`the ${what} file ${file} does not exist`);
    if (code === 'EISDIR') throw new Error(`the ${what} file ${file} is a directory`);
    if (err instanceof SafetensorsError) throw new Error(`the ${what} file is not valid safetensors: ${err.message}`);
    throw new Error(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
}

/**
 * Every tensor of `selected` must have a floating, same-shaped gradient in `grads`; all problems are reported
 * at once (the first ten).
 * @throws Error naming each tensor without a fitting gradient.
 */
export function checkGrads(selected: readonly SafetensorsTensor[], grads: SafetensorsFile, gradsPath: string, criterion: string): void {
  const problems: string[] = [];
  for (const t of selected) {
    const g = grads.tensors.get(t.name);
    if (g === undefined) problems.push(`tensor "${t.name}": no tensor of that name in ${gradsPath}`);
    else if (!FLOAT_DTYPES.includes(g.dtype)) problems.push(`tensor "${t.name}": its gradient has dtype ${g.dtype}, expected F32, F16 or BF16`);
    else if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i]))
      problems.push(`tensor "${t.name}": gradient shape [${g.shape.join(', ')}] does not match weight shape [${t.shape.join(', ')}]`);
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10);
  if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
  throw new Error(`${criterion} reads gradients, and ${gradsPath} does not fit the model:\n  ${shown.join('\n  ')}`);
}

/**
 * Checks an output path before any work: it must not be one of `inputs` (a usage error, exit 2), and its
 * folder must exist and the path must not be a directory (runtime errors, exit 1).
 * @param flag - How the output was given, for messages: `-o`, `--masks`.
 * @param what - What is written there, for messages: `the scores`.
 * @example
 * checkOutputPath(output, '-o', 'the scores', [modelPath, gradsPath]);
 */
export function checkOutputPath(output: string, flag: string, what: string, inputs: ReadonlyArray<string | undefined>): void {
  const outputCanonical = canonical(output);
  for (const input of inputs) {
    if (input !== undefined && canonical(input) === outputCanonical)
      throw new UsageError(`${flag} ${output} is also an input: write ${what} to another file`);
  }
  const outputDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outputDir)) throw new Error(`cannot write ${output}: the folder ${outputDir} does not exist`);
  if (fs.existsSync(output) && fs.statSync(output).isDirectory()) throw new Error(`cannot write ${output}: it is a directory`);
}
