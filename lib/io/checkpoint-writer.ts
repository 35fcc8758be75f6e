/**
 * Writes a checkpoint tensor by tensor: one safetensors file, or a sharded checkpoint (a folder of shards
 * plus an index). Everything goes to temporaries first (the file's `NAME.tmp-PID`, or a whole folder
 * `DIR.tmp-PID`); `finish()` flushes it all, `publish()` renames it into place, so the output appears at
 * once or not at all, and several outputs can all be finished before the first appears.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsError } from '../errors';
import { cleanStaleTemps, fsyncDir, tempPathFor } from './atomic';
import { INDEX_SUFFIX } from './checkpoint';
import type { TensorSpec } from './safetensors';
import { SafetensorsWriter } from './safetensors-stream';
import type { JsonValue } from './strict-json';

/** One output shard: its file name, tensors in order and `__metadata__`. */
export interface ShardPlan {
  name: string;
  specs: TensorSpec[];
  metadata?: Record<string, string>;
}

/** What to write: a file (one shard, `dest` is the file) or a sharded folder (`dest` is the folder). */
export type CheckpointPlan =
  | { kind: 'file'; shard: ShardPlan }
  | { kind: 'sharded'; shards: ShardPlan[]; indexName: string; indexMetadata: Record<string, JsonValue | string> };

/**
 * Checks that `dest` can take a sharded output: it does not exist, or is an empty folder.
 * @throws SafetensorsError naming it otherwise (before any work).
 */
export function checkOutputDir(dest: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dest);
  } catch {
    const parent = path.dirname(path.resolve(dest));
    if (!fs.existsSync(parent))
      throw new SafetensorsError(`cannot be created: the folder ${parent} does not exist`, dest);
    return;
  }
  if (!st.isDirectory())
    throw new SafetensorsError('exists and is not a folder; a sharded checkpoint is written to a folder', dest);
  const entries = fs.readdirSync(dest);
  if (entries.length > 0)
    throw new SafetensorsError(
      `is a folder that is not empty (${entries.length} entries, e.g. ${entries[0]}); name a new or empty one`,
      dest,
    );
}

/** JSON text of a value read by the strict parser (objects are Maps, kept in order). */
function jsonText(v: JsonValue | string): string {
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  return JSON.stringify(v);
}

/** A checkpoint being written. */
export class CheckpointWriter {
  private published = false;
  /** The flush of each shard started by writeAsync once its last tensor was handed over. */
  private readonly flushes: Array<Promise<void> | undefined> = [];

  private constructor(
    readonly dest: string,
    private readonly plan: CheckpointPlan,
    private readonly writers: SafetensorsWriter[],
    /** The temporary folder of a sharded output (undefined for a file). */
    private readonly tempDir: string | undefined,
  ) {}

  /**
   * Creates the temporaries and writes every shard's header.
   * @throws SafetensorsError when `dest` cannot take the output or a spec is bad; Node's errors otherwise.
   */
  static create(dest: string, plan: CheckpointPlan): CheckpointWriter {
    if (plan.kind === 'file')
      return new CheckpointWriter(
        dest,
        plan,
        [SafetensorsWriter.create(dest, plan.shard.specs, plan.shard.metadata)],
        undefined,
      );
    checkOutputDir(dest);
    cleanStaleTemps(dest);
    const tmp = tempPathFor(dest);
    fs.mkdirSync(tmp);
    const writers: SafetensorsWriter[] = [];
    try {
      for (const s of plan.shards)
        writers.push(SafetensorsWriter.create(path.join(dest, s.name), s.specs, s.metadata, path.join(tmp, s.name)));
    } catch (err) {
      for (const w of writers) w.discard();
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return new CheckpointWriter(dest, plan, writers, tmp);
  }

  /** Writes the next tensor of shard `shard`. */
  write(shard: number, name: string, data: Uint8Array): void {
    this.writers[shard].write(name, data);
  }

  /**
   * {@link write} on libuv's thread pool (SafetensorsWriter.writeAsync): `data` must stay unchanged until
   * the promise settles. A shard whose last tensor this is starts its flush at once, behind its writes,
   * while the next shards are written.
   */
  writeAsync(shard: number, name: string, data: Uint8Array): Promise<void> {
    const w = this.writers[shard];
    const done = w.writeAsync(name, data);
    if (w.complete) {
      const flushed = w.finishAsync();
      flushed.catch(() => {}); // awaited by finishAsync
      this.flushes[shard] = flushed;
    }
    return done;
  }

  /** Flushes and closes every shard, and writes the index of a sharded output. */
  finish(): void {
    for (const w of this.writers) w.finish();
    this.writeIndex();
  }

  /** {@link finish} after every write of {@link writeAsync}, the shards flushed on the thread pool. */
  async finishAsync(): Promise<void> {
    await Promise.all(this.writers.map((w, i) => this.flushes[i] ?? w.finishAsync()));
    this.writeIndex();
  }

  private writeIndex(): void {
    const plan = this.plan;
    if (plan.kind === 'sharded' && this.tempDir !== undefined) {
      const weightMap: string[] = [];
      for (const s of plan.shards)
        for (const t of s.specs) weightMap.push(`${JSON.stringify(t.name)}:${JSON.stringify(s.name)}`);
      const metadata = Object.keys(plan.indexMetadata).map(
        (k) => `${JSON.stringify(k)}:${jsonText(plan.indexMetadata[k])}`,
      );
      const text = `{"metadata":{${metadata.join(',')}},"weight_map":{${weightMap.join(',')}}}\n`;
      const fd = fs.openSync(path.join(this.tempDir, plan.indexName), 'w', 0o644);
      try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fsyncDir(this.tempDir);
    }
  }

  /** Moves the finished output into place. */
  publish(): void {
    if (this.tempDir === undefined) {
      this.writers[0].publish();
    } else {
      // rename(2) replaces an empty folder; checkOutputDir allowed only that.
      fs.renameSync(this.tempDir, this.dest);
      fsyncDir(path.dirname(path.resolve(this.dest)));
    }
    this.published = true;
  }

  /** Removes every temporary; never throws. */
  discard(): void {
    if (this.published) return;
    for (const w of this.writers) w.discard();
    if (this.tempDir !== undefined) {
      try {
        fs.rmSync(this.tempDir, { recursive: true, force: true });
      } catch {
        // keep the original error
      }
    }
  }
}

/** The index name of a sharded output: the input's (e.g. model.safetensors.index.json). */
export function indexNameOf(inputIndexPath: string): string {
  const base = path.basename(inputIndexPath);
  return base.endsWith('.index.json') ? base : `model${INDEX_SUFFIX}`;
}
