// Shared by the CLI tests: run `main` in-process with captured output, and make small safetensors files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { type TensorInput, writeSafetensors } from '../../lib/io';
import { main } from '../../lib/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `prunekit ...argv` in-process; `progressStream` stands in for a terminal on stderr. */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; progressStream?: NodeJS.WritableStream } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    progressStream: opts.progressStream,
    env: opts.env ?? {},
  });
  return { code, stdout, stderr };
}

/** A writable that claims to be a terminal and keeps what it receives. */
export function fakeTerminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns: 120, text: () => chunks.join('') });
}

/** A fresh temporary folder and a function that removes it. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-cli-'));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const f32 = (shape: number[], values: number[]): TensorInput => ({
  dtype: 'F32',
  shape,
  data: new Float32Array(values),
});
/** An F16 or BF16 tensor from raw 16-bit patterns. */
export const half = (dtype: 'F16' | 'BF16', shape: number[], bits: number[]): TensorInput => ({
  dtype,
  shape,
  data: new Uint16Array(bits),
});

/** Writes a safetensors file from `[name, tensor]` pairs and returns its path. */
export function writeModel(file: string, tensors: Array<[string, TensorInput]>): string {
  writeSafetensors(file, tensors);
  return file;
}
