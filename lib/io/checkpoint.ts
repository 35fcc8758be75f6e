/**
 * A checkpoint as the commands see it: one `.safetensors` file, or a Hugging Face sharded checkpoint (a
 * `*.safetensors.index.json` whose `weight_map` names each tensor's shard file, next to it), or a folder
 * holding one of these. Every shard is opened and validated up front and checked against the index: a
 * missing shard, a tensor in two shards, a tensor the index does not name or puts elsewhere are errors
 * naming the file and the tensor. Tensor bytes are read later, one tensor at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsError } from '../errors';
import { SafetensorsReader, type TensorInfo } from './safetensors-stream';
import { parseStrictJson, type JsonValue } from './strict-json';

/** Suffix of a sharded checkpoint's index file. */
export const INDEX_SUFFIX = '.safetensors.index.json';

/** Largest index file read (the index of a 400B-parameter model is a few MB). */
const MAX_INDEX_BYTES = 100_000_000;

/** One tensor of a checkpoint and the shard holding it. */
export interface CheckpointTensor extends TensorInfo {
  /** Index into {@link Checkpoint.shards}. */
  readonly shard: number;
}

/** An open checkpoint. Close it when done. */
export interface Checkpoint {
  /** `file`: one safetensors file; `sharded`: an index and its shards. */
  readonly kind: 'file' | 'sharded';
  /** The safetensors file, or the index file. */
  readonly path: string;
  /** The shards in index order of first appearance (one for a file), each open. */
  readonly shards: readonly SafetensorsReader[];
  /** Shard file names as the index writes them (the file's base name for a single file). */
  readonly shardNames: readonly string[];
  /** Every tensor, shard by shard, in each shard's header order. */
  readonly tensors: readonly CheckpointTensor[];
  /** The index's `metadata` object (sharded) or the file's `__metadata__` (file). */
  readonly metadata: Record<string, JsonValue | string>;
  /** Bytes of tensor data, all shards. */
  readonly dataBytes: number;
  /** Reads one tensor's bytes. */
  read(t: CheckpointTensor, into?: Uint8Array): Uint8Array;
  /** {@link read} into `into` (its length) on libuv's thread pool. */
  readAsync(t: CheckpointTensor, into: Uint8Array): Promise<Uint8Array>;
  /** Hints that `t` will be {@link read} soon (the kernel starts reading it; lib/io/will-need.ts). */
  willNeed(t: CheckpointTensor): void;
  close(): void;
}

/**
 * Resolves what the user named: a folder becomes the one index in it, or else the one safetensors file.
 * @throws SafetensorsError naming the folder when it holds neither or more than one.
 */
export function resolveCheckpointPath(given: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(given);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SafetensorsError('does not exist', given);
    throw err;
  }
  if (!st.isDirectory()) return given;
  const names = fs.readdirSync(given).sort();
  const indexes = names.filter((n) => n.endsWith(INDEX_SUFFIX));
  if (indexes.length === 1) return path.join(given, indexes[0]);
  if (indexes.length > 1)
    throw new SafetensorsError(
      `is a folder with ${indexes.length} index files (${indexes.join(', ')}): name the one to use`,
      given,
    );
  const files = names.filter((n) => n.endsWith('.safetensors'));
  if (files.length === 1) return path.join(given, files[0]);
  if (files.length === 0)
    throw new SafetensorsError(`is a folder with no *${INDEX_SUFFIX} and no .safetensors file`, given);
  throw new SafetensorsError(
    `is a folder with ${files.length} .safetensors files and no *${INDEX_SUFFIX} naming its shards`,
    given,
  );
}

/** True when `file` names a sharded checkpoint's index (by its name). */
export function isIndexPath(file: string): boolean {
  return file.endsWith(INDEX_SUFFIX) || file.endsWith('.index.json');
}

/**
 * Opens a checkpoint: a `.safetensors` file, an index, or a folder holding one.
 * @throws SafetensorsError naming the file (and tensor) for anything malformed or inconsistent.
 * @example
 * const ckpt = openCheckpoint('llama/');
 * try { for (const t of ckpt.tensors) console.log(t.name, t.dtype, ckpt.shardNames[t.shard]); } finally { ckpt.close(); }
 */
export function openCheckpoint(given: string): Checkpoint {
  const file = resolveCheckpointPath(given);
  return isIndexPath(file) ? openSharded(file) : openSingle(file);
}

function openSingle(file: string): Checkpoint {
  const reader = SafetensorsReader.open(file);
  const tensors = [...reader.tensors.values()].map((t) => ({ ...t, shard: 0 }));
  return assemble('file', file, [reader], [path.basename(file)], tensors, reader.metadata);
}

function assemble(
  kind: 'file' | 'sharded',
  file: string,
  shards: SafetensorsReader[],
  shardNames: string[],
  tensors: CheckpointTensor[],
  metadata: Record<string, JsonValue | string>,
): Checkpoint {
  const dataBytes = tensors.reduce((n, t) => n + t.byteLength, 0);
  return {
    kind,
    path: file,
    shards,
    shardNames,
    tensors,
    metadata,
    dataBytes,
    read: (t, into) => shards[t.shard].read(t, into),
    readAsync: (t, into) => shards[t.shard].readAsync(t, into),
    willNeed: (t) => shards[t.shard].willNeed(t),
    close: () => {
      for (const s of shards) s.close();
    },
  };
}

/** The parsed index: its metadata and `weight_map` (tensor name to shard file name), in file order. */
export interface ShardIndex {
  metadata: Record<string, JsonValue>;
  weightMap: Map<string, string>;
}

/** Reads and checks an index file (strict JSON, an object with a `weight_map` object of strings). */
export function readIndex(file: string): ShardIndex {
  const fail = (problem: string, tensor?: string): never => {
    throw new SafetensorsError(problem, file, tensor);
  };
  const st = fs.statSync(file);
  if (!st.isFile()) fail('is not a regular file');
  if (st.size > MAX_INDEX_BYTES) fail(`is ${st.size} bytes, over the ${MAX_INDEX_BYTES}-byte limit for an index`);
  let value: JsonValue;
  try {
    value = parseStrictJson(new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file)));
  } catch (err) {
    return fail(`is not a valid index (strict UTF-8 JSON): ${(err as Error).message}`);
  }
  if (!(value instanceof Map)) return fail('must hold a JSON object');
  const wm = value.get('weight_map');
  if (!(wm instanceof Map)) return fail('has no "weight_map" object (tensor name -> shard file)');
  const weightMap = new Map<string, string>();
  for (const [name, shard] of wm) {
    if (typeof shard !== 'string')
      fail(`weight_map value must be a shard file name, got ${JSON.stringify(shard)}`, name);
    const s = shard as string;
    // A shard is a file next to the index: no folders, no way out of it.
    if (s === '' || s.includes('/') || s.includes('\\') || s === '.' || s === '..' || s.includes('\0'))
      fail(`weight_map names shard ${JSON.stringify(s)}, which is not a plain file name next to the index`, name);
    weightMap.set(name, s);
  }
  const md = value.get('metadata');
  const metadata: Record<string, JsonValue> = {};
  if (md instanceof Map)
    for (const [k, v] of md)
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
  else if (md !== undefined && md !== null) fail('"metadata" must be an object');
  return { metadata, weightMap };
}

function openSharded(file: string): Checkpoint {
  const index = readIndex(file);
  const dir = path.dirname(file);
  const shardNames: string[] = [];
  for (const s of index.weightMap.values()) if (!shardNames.includes(s)) shardNames.push(s);
  const shards: SafetensorsReader[] = [];
  try {
    for (const name of shardNames) {
      const shardPath = path.join(dir, name);
      if (!fs.existsSync(shardPath)) {
        const first = [...index.weightMap].find(([, s]) => s === name)?.[0];
        throw new SafetensorsError(
          `names shard ${name}, which does not exist in ${dir} (it should hold tensor ${JSON.stringify(first)})`,
          file,
        );
      }
      shards.push(SafetensorsReader.open(shardPath));
    }
    const tensors: CheckpointTensor[] = [];
    const seenIn = new Map<string, string>();
    shards.forEach((reader, shard) => {
      for (const t of reader.tensors.values()) {
        const other = seenIn.get(t.name);
        if (other !== undefined)
          throw new SafetensorsError(`tensor is in two shards: ${other} and ${shardNames[shard]}`, file, t.name);
        seenIn.set(t.name, shardNames[shard]);
        const mapped = index.weightMap.get(t.name);
        if (mapped === undefined)
          throw new SafetensorsError(
            `holds a tensor the index ${path.basename(file)} does not name`,
            reader.path,
            t.name,
          );
        if (mapped !== shardNames[shard])
          throw new SafetensorsError(
            `holds this tensor, but the index ${path.basename(file)} puts it in ${mapped}`,
            reader.path,
            t.name,
          );
        tensors.push({ ...t, shard });
      }
    });
    for (const [name, shard] of index.weightMap)
      if (!seenIn.has(name))
        throw new SafetensorsError(`names this tensor in shard ${shard}, which does not hold it`, file, name);
    return assemble('sharded', file, shards, shardNames, tensors, index.metadata);
  } catch (err) {
    for (const s of shards) s.close();
    throw err;
  }
}
