/**
 * Safetensors files of any size, one tensor at a time: a reader that parses the header with positional
 * reads and reads each tensor's bytes when asked (never the whole file, so files over 2 GiB work), and a
 * writer that writes the header first and the tensors in order as they come, to a temporary file renamed
 * into place at the end. Memory is bounded by the largest tensor, not the file.
 */
import * as fs from 'node:fs';
import { WRITE_CHUNK, cleanStaleTemps, fsyncDir, tempPathFor, writeFully } from './atomic';
import {
  type HeaderEntry,
  type SafetensorsDtype,
  SafetensorsError,
  type TensorSpec,
  headerFor,
  headerLength,
  openRegularFile,
  parseHeader,
  specByteLength,
} from './safetensors';
import * as path from 'node:path';
import { willNeed } from './will-need';

/** A tensor of an open file: where its bytes are, not the bytes. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  /** Absolute byte offset of the tensor's data in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

/** Bytes written behind after which writeAsync starts their write-back to disk (measured: docs/checkpoints.md). */
const WRITEBACK_BYTES = 128 * 2 ** 20;

/** Largest single read: Node reads at most 2 GiB - 1 bytes per call. */
const READ_CHUNK = 1 << 30;

/** The error of a read that met the file's end early (it shrank while in use). */
function truncatedError(into: Uint8Array, position: number, done: number, source: string, tensor?: string) {
  return new SafetensorsError(
    `file ended at byte ${position + done} while ${into.byteLength} bytes were read from byte ${position}; it was truncated while in use`,
    source,
    tensor,
  );
}

/** Reads exactly `length` bytes at `position` into `into`, or fails naming the file (it shrank). */
function readFully(fd: number, into: Uint8Array, position: number, source: string, tensor?: string): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = fs.readSync(fd, into, done, Math.min(READ_CHUNK, into.byteLength - done), position + done);
    if (n === 0) throw truncatedError(into, position, done, source, tensor);
    done += n;
  }
}

/** {@link readFully} on libuv's thread pool: the calling thread computes meanwhile. */
async function readFullyAsync(
  fd: number,
  into: Uint8Array,
  position: number,
  source: string,
  tensor?: string,
): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await fsRead(fd, into, done, Math.min(READ_CHUNK, into.byteLength - done), position + done);
    if (bytesRead === 0) throw truncatedError(into, position, done, source, tensor);
    done += bytesRead;
  }
}

/** fs.read as a promise (positional: reads of several tensors may run at once). */
function fsRead(fd: number, into: Uint8Array, offset: number, length: number, position: number) {
  return new Promise<{ bytesRead: number }>((resolve, reject) =>
    fs.read(fd, into, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve({ bytesRead }))),
  );
}

/** fs.write as a promise (positional). */
function fsWrite(fd: number, from: Uint8Array, offset: number, length: number, position: number) {
  return new Promise<number>((resolve, reject) =>
    fs.write(fd, from, offset, length, position, (err, written) => (err ? reject(err) : resolve(written))),
  );
}

/**
 * An open safetensors file, validated as strictly as {@link parseSafetensors} (the header, and the tensors
 * tiling the data exactly to the file's end, so a truncated file is refused at open).
 *
 * @example
 * const f = SafetensorsReader.open('model.safetensors');
 * try { for (const t of f.tensors.values()) use(t, f.read(t)); } finally { f.close(); }
 */
export class SafetensorsReader {
  private fd: number | undefined;

  private constructor(
    /** The path given to {@link open}. */
    readonly path: string,
    fd: number,
    /** The `__metadata__` map (empty if none). */
    readonly metadata: Record<string, string>,
    /** Tensors in header order. */
    readonly tensors: Map<string, TensorInfo>,
    /** File size in bytes. */
    readonly size: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens and validates `file`.
   * @throws SafetensorsError naming the file (and tensor) when it is not a regular file or not valid
   *   safetensors; Node's errors when it cannot be opened.
   */
  static open(file: string): SafetensorsReader {
    const fd = openRegularFile(file);
    try {
      const size = fs.fstatSync(fd).size;
      const prefix = new Uint8Array(Math.min(8, size));
      readFully(fd, prefix, 0, file);
      const headerLen = headerLength(prefix, size, file);
      const headerBytes = new Uint8Array(headerLen);
      readFully(fd, headerBytes, 8, file);
      const dataStart = 8 + headerLen;
      const { metadata, entries } = parseHeader(headerBytes, size - dataStart, file);
      const tensors = new Map<string, TensorInfo>();
      for (const e of entries) tensors.set(e.name, infoOf(e, dataStart));
      return new SafetensorsReader(file, fd, metadata, tensors, size);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Total bytes of tensor data. */
  get dataBytes(): number {
    let n = 0;
    for (const t of this.tensors.values()) n += t.byteLength;
    return n;
  }

  /**
   * The bytes of one tensor, in a new buffer (or in `into` when given, which must have its length).
   * @throws SafetensorsError when the file has shrunk since it was opened.
   */
  read(t: TensorInfo, into?: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new SafetensorsError('is closed', this.path, t.name);
    const out = into ?? new Uint8Array(t.byteLength);
    if (out.byteLength !== t.byteLength)
      throw new RangeError(`read(${t.name}): buffer of ${out.byteLength} bytes, the tensor has ${t.byteLength}`);
    readFully(this.fd, out, t.offset, this.path, t.name);
    return out;
  }

  /** {@link read} into `into` (its length) on libuv's thread pool. */
  async readAsync(t: TensorInfo, into: Uint8Array): Promise<Uint8Array> {
    if (this.fd === undefined) throw new SafetensorsError('is closed', this.path, t.name);
    if (into.byteLength !== t.byteLength)
      throw new RangeError(`read(${t.name}): buffer of ${into.byteLength} bytes, the tensor has ${t.byteLength}`);
    await readFullyAsync(this.fd, into, t.offset, this.path, t.name);
    return into;
  }

  /**
   * Hints that `t` will be read soon: the kernel starts reading it into the page cache in the background, so
   * a synchronous {@link read} of it later waits less for the disk (lib/io/will-need.ts). No effect on what
   * any read returns; nothing on a closed reader.
   */
  willNeed(t: TensorInfo): void {
    if (this.fd !== undefined) willNeed(this.fd, t.offset, t.byteLength);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function infoOf(e: HeaderEntry, dataStart: number): TensorInfo {
  return { name: e.name, dtype: e.dtype, shape: e.shape, offset: dataStart + e.begin, byteLength: e.end - e.begin };
}

/**
 * Writes one safetensors file tensor by tensor, in the order of the specs given up front, to a temporary
 * file next to the destination. `finish()` checks every tensor came, flushes and closes the temporary;
 * `publish()` renames it into place (so several outputs can all be finished before any appears);
 * `discard()` removes it. A writer that is neither published nor discarded leaves its temporary, which the
 * next write to the same destination removes.
 *
 * @example
 * const w = SafetensorsWriter.create('out.safetensors', specs, { format: 'pt' });
 * try { for (const s of specs) w.write(s.name, bytesOf(s)); w.finish(); w.publish(); } catch (e) { w.discard(); throw e; }
 */
export class SafetensorsWriter {
  private fd: number | undefined;
  private next = 0;
  private finished = false;
  /** Where the next tensor's bytes go (the header is written at create). */
  private position: number;
  /** Writes started by {@link writeAsync} and not yet awaited. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The flush of {@link finishAsync} while it runs. */
  private flushing: Promise<void> | undefined;
  /** Bytes written by writeAsync since the last early write-back, and whether one runs. */
  private unflushed = 0;
  private writingBack = false;

  private constructor(
    /** Destination path. */
    readonly path: string,
    /** Where the bytes go until `publish`. */
    readonly tempPath: string,
    private readonly specs: readonly TensorSpec[],
    private readonly sizes: readonly number[],
    fd: number,
    headerBytes: number,
  ) {
    this.fd = fd;
    this.position = headerBytes;
  }

  /**
   * Checks the specs and metadata (nothing is created when they are bad), removes stale temporaries of
   * `dest` and writes the header to a fresh temporary.
   * @param tempPath - Where to write instead of `dest.tmp-PID` (a writer inside a temporary folder).
   * @throws SafetensorsError on bad specs; Node's errors (naming the file) when it cannot be created.
   */
  static create(
    dest: string,
    specs: readonly TensorSpec[],
    metadata?: Record<string, string>,
    tempPath?: string,
  ): SafetensorsWriter {
    const { head } = headerFor(specs, metadata, dest);
    const sizes = specs.map(specByteLength);
    const tmp = tempPath ?? tempPathFor(dest);
    if (tempPath === undefined) cleanStaleTemps(dest);
    const fd = fs.openSync(tmp, 'w', 0o644);
    const writer = new SafetensorsWriter(dest, tmp, specs, sizes, fd, head.byteLength);
    try {
      writeFully(fd, head);
    } catch (err) {
      writer.discard();
      throw err;
    }
    return writer;
  }

  /** True once every tensor has been handed over (written, or being written by writeAsync). */
  get complete(): boolean {
    return this.next === this.specs.length;
  }

  /** Names of the tensors still to write, in order. */
  get pending(): string[] {
    return this.specs.slice(this.next).map((s) => s.name);
  }

  /** Checks that `name` is the next tensor and `data` its size, and moves on; returns where it goes. */
  private claim(name: string, data: Uint8Array): { fd: number; position: number } {
    if (this.fd === undefined || this.finished) throw new SafetensorsError('writer is closed', this.path, name);
    const spec = this.specs[this.next];
    if (spec === undefined || spec.name !== name)
      throw new SafetensorsError(
        `tensor written out of order: expected ${spec === undefined ? 'no more tensors' : JSON.stringify(spec.name)}`,
        this.path,
        name,
      );
    if (data.byteLength !== this.sizes[this.next])
      throw new SafetensorsError(
        `${data.byteLength} bytes given, shape [${spec.shape.join(', ')}] x ${spec.dtype} needs ${this.sizes[this.next]}`,
        this.path,
        name,
      );
    const position = this.position;
    this.position += data.byteLength;
    this.next++;
    return { fd: this.fd, position };
  }

  /**
   * Writes the next tensor's bytes.
   * @throws SafetensorsError if `name` is not the next tensor or the byte length is wrong.
   */
  write(name: string, data: Uint8Array): void {
    const { fd, position } = this.claim(name, data);
    writeFully(fd, data, position);
  }

  /**
   * {@link write} on libuv's thread pool, at the tensor's own position (several may be under way): the
   * order is checked now; `data` must stay unchanged until the promise settles.
   */
  writeAsync(name: string, data: Uint8Array): Promise<void> {
    const { fd, position } = this.claim(name, data);
    const done = (async () => {
      for (let at = 0; at < data.byteLength;) {
        const len = Math.min(WRITE_CHUNK, data.byteLength - at);
        at += await fsWrite(fd, data, at, len, position + at);
      }
      this.startWriteback(fd, data.byteLength);
    })();
    return this.track(done);
  }

  /** Keeps `p` in inFlight until it settles (finishAsync and discard wait for it; the caller sees a rejection). */
  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    const forget = () => this.inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * Counts `bytes` more written, and past {@link WRITEBACK_BYTES} since the last time starts the disk on them
   * (fdatasync on the thread pool, not awaited): the closing flush then waits for the tail only, and the
   * disk works while the caller computes.
   */
  private startWriteback(fd: number, bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < WRITEBACK_BYTES || this.writingBack) return;
    this.unflushed = 0;
    this.writingBack = true;
    const synced = new Promise<void>((resolve, reject) =>
      fs.fdatasync(fd, (err) => {
        this.writingBack = false;
        if (err) reject(err);
        else resolve();
      }),
    );
    synced.catch(() => {}); // seen by drain
    void this.track(synced);
  }

  /** Waits for every write (and write-back) of {@link writeAsync} still under way; fails with the first error. */
  private async drain(): Promise<void> {
    // A write that ends may start a write-back: wait until none is left.
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** {@link finish} after the writes under way, with the flush on the thread pool. */
  async finishAsync(): Promise<void> {
    await this.drain();
    this.checkComplete();
    const fd = this.fd as number;
    this.flushing = new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
    this.close();
  }

  /** Checks every tensor was written, flushes the temporary to disk and closes it. */
  finish(): void {
    if (this.inFlight.size > 0)
      throw new SafetensorsError('finish() while writes are under way: finishAsync()', this.path);
    this.checkComplete();
    fs.fsyncSync(this.fd as number);
    this.close();
  }

  private checkComplete(): void {
    if (this.fd === undefined) throw new SafetensorsError('writer is closed', this.path);
    if (this.next !== this.specs.length)
      throw new SafetensorsError(
        `${this.specs.length - this.next} tensors were not written (next: ${JSON.stringify(this.specs[this.next].name)})`,
        this.path,
      );
  }

  private close(): void {
    fs.closeSync(this.fd as number);
    this.fd = undefined;
    this.finished = true;
  }

  /** Renames the finished temporary over the destination. */
  publish(): void {
    if (!this.finished) throw new SafetensorsError('publish before finish', this.path);
    fs.renameSync(this.tempPath, this.path);
    fsyncDir(path.dirname(path.resolve(this.path)));
  }

  /**
   * Closes and removes the temporary; never throws (it runs on the way out of a failure). With writes
   * still under way, after they settle (closing first could hand their descriptor to another file).
   */
  discard(): void {
    if (this.inFlight.size > 0 || this.flushing !== undefined) {
      void Promise.allSettled([...this.inFlight, this.flushing]).then(() => this.discard());
      return;
    }
    try {
      if (this.fd !== undefined) fs.closeSync(this.fd);
    } catch {
      // keep the original error
    }
    this.fd = undefined;
    try {
      fs.rmSync(this.tempPath, { force: true });
    } catch {
      // keep the original error
    }
  }
}
