/**
 * Strict reader and writer for the safetensors format.
 *
 * Layout of a file:
 * ```
 * [8 bytes]  N, little-endian u64: byte length of the header
 * [N bytes]  UTF-8 JSON object (may be padded with trailing spaces):
 *              { "__metadata__"?: { [key: string]: string },
 *                [tensorName]: { "dtype": "F32", "shape": [2, 3],
 *                                "data_offsets": [begin, end] }, ... }
 * [rest]     data buffer; tensor offsets are relative to its start
 * ```
 * All multi-byte tensor elements are little-endian.
 *
 * The reader never accepts a damaged file silently: every structural problem
 * raises a {@link SafetensorsError} whose message names the file, the tensor
 * and what is wrong. Like the reference implementation it also requires the
 * tensors to tile the data buffer exactly (no overlaps, no gaps, no trailing
 * bytes). The writer validates its input the same way and writes atomically.
 *
 * Only `node:` built-ins are used.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { cleanStaleTemps, fsyncDir, tempPathFor, writeFully } from './atomic';
import { bf16ToFloat32Array, f16ToFloat32Array } from './half';
import { JsonValue, NonIntegerLiteral, parseStrictJson } from './strict-json';
import { SafetensorsError } from '../errors';
export { SafetensorsError };

/**
 * Element size in bytes of every supported dtype.
 *
 * @example
 * DTYPE_SIZES.BF16; // 2
 * 'F32' in DTYPE_SIZES; // true
 */
export const DTYPE_SIZES = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const);

/**
 * A safetensors element type name, e.g. `'F32'` or `'BF16'`.
 *
 * @example
 * const dt: SafetensorsDtype = 'F16';
 */
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/**
 * Largest header accepted by the reader, in bytes (same limit as the
 * reference implementation: 100 MB).
 *
 * @example
 * MAX_HEADER_BYTES; // 100000000
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * A tensor read from a safetensors file.
 *
 * @example
 * const t = parseSafetensors(buf).tensors.get('layer0.weight')!;
 * t.dtype; // 'F32'
 * t.shape; // [4, 8]
 * t.data.byteLength; // 128 (raw little-endian bytes, a view into `buf`)
 */
export interface SafetensorsTensor {
  /** The tensor's name (its key in the header). */
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Dimensions; `[]` for a scalar. */
  readonly shape: number[];
  /** Raw little-endian element bytes: a view into the parsed buffer (no copy). */
  readonly data: Uint8Array;
}

/**
 * The parsed content of a safetensors file.
 *
 * @example
 * const { metadata, tensors } = readSafetensors('model.safetensors');
 * metadata.format; // 'pt'
 * [...tensors.keys()]; // tensor names in header order
 */
export interface SafetensorsFile {
  /** The `__metadata__` map (empty object if the header has none). */
  metadata: Record<string, string>;
  /** Tensors in header order. */
  tensors: Map<string, SafetensorsTensor>;
}

/**
 * A tensor to be written. `data`'s bytes are written verbatim, so they must be
 * little-endian (as typed arrays are on x86 and ARM hosts).
 *
 * @example
 * const t: TensorInput = { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
 */
export interface TensorInput {
  dtype: SafetensorsDtype | string;
  shape: readonly number[];
  data: ArrayBufferView;
}

/**
 * Tensors to be written, in file order: an array of `[name, tensor]` pairs or
 * a Map (iterated in insertion order).
 *
 * @example
 * const ts: TensorsInput = [['w', { dtype: 'U8', shape: [1], data: new Uint8Array([7]) }]];
 */
export type TensorsInput = ReadonlyArray<readonly [string, TensorInput]> | ReadonlyMap<string, TensorInput>;

const METADATA_KEY = '__metadata__';
const DEFAULT_SOURCE = '<buffer>';
const KNOWN_DTYPES = Object.keys(DTYPE_SIZES).join(', ');
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isKnownDtype(d: string): d is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZES, d);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Map) return 'an object';
  if (v instanceof NonIntegerLiteral) return `the number ${v.text}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return typeof v;
}

function fmtShape(shape: readonly unknown[]): string {
  return `[${shape.join(', ')}]`;
}

/** Product of dims times the element size, as a BigInt (no overflow). */
function byteSizeOf(shape: readonly number[], dtype: SafetensorsDtype): bigint {
  let n = BigInt(DTYPE_SIZES[dtype]);
  for (const d of shape) n *= BigInt(d);
  return n;
}

/** Checks a shape array; returns an error text or undefined. */
function shapeProblem(shape: unknown): string | undefined {
  if (!Array.isArray(shape)) return `"shape" must be an array of integers, got ${describe(shape)}`;
  for (let i = 0; i < shape.length; i++) {
    const written: unknown = shape[i];
    const d: unknown = written instanceof NonIntegerLiteral ? written.value : written;
    if (typeof d !== 'number') {
      return `shape[${i}] must be an integer, got ${describe(d)}`;
    }
    if (!Number.isInteger(d)) return `shape[${i}] is ${d}; dimensions must be integers`;
    if (d < 0) return `shape[${i}] is ${d}; dimensions must be non-negative`;
    if (!Number.isSafeInteger(d)) return `shape[${i}] is ${d}, which is too large`;
    if (written instanceof NonIntegerLiteral)
      return `shape[${i}] is written ${written.text}; dimensions must be written as integers (no fraction or exponent)`;
  }
  return undefined;
}

type ParsedEntry = HeaderEntry;

/**
 * Parses and validates a complete safetensors file held in memory.
 *
 * @param buf - The whole file. Tensor `data` fields are views into it, so keep
 *   it alive and unmodified while you use them.
 * @param source - Label used in error messages (e.g. the file path).
 * @returns Metadata and tensors (in header order).
 * @throws SafetensorsError if the buffer is not a well-formed safetensors file.
 * @example
 * const bytes = fs.readFileSync('model.safetensors');
 * const { metadata, tensors } = parseSafetensors(bytes, 'model.safetensors');
 * for (const [name, t] of tensors) console.log(name, t.dtype, t.shape);
 */
export function parseSafetensors(buf: Uint8Array, source: string = DEFAULT_SOURCE): SafetensorsFile {
  const fail = (problem: string, tensor?: string): never => {
    throw new SafetensorsError(problem, source, tensor);
  };
  if (!(buf instanceof Uint8Array)) fail('expected a Uint8Array or Buffer');
  const headerLen = headerLength(buf.subarray(0, 8), buf.byteLength, source);
  const dataStart = 8 + headerLen;
  const { metadata, entries } = parseHeader(buf.subarray(8, dataStart), buf.byteLength - dataStart, source);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const data = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + e.begin, e.end - e.begin);
    tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data });
  }
  return { metadata, tensors };
}

/**
 * The header length from a file's first 8 bytes, checked against the file size.
 * @param prefix - The file's first bytes (at least 8 unless the file is shorter).
 * @param fileSize - The whole file's size in bytes.
 * @throws SafetensorsError for a file too short, an absurd length or one past the end.
 */
export function headerLength(prefix: Uint8Array, fileSize: number, source: string = DEFAULT_SOURCE): number {
  const fail = (problem: string): never => {
    throw new SafetensorsError(problem, source);
  };
  if (fileSize < 8 || prefix.byteLength < 8) {
    fail(`file is too short (${fileSize} bytes); it must start with an 8-byte header length`);
  }
  const headerLenBig = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLenBig > BigInt(MAX_HEADER_BYTES)) {
    fail(
      `header length ${headerLenBig} bytes is absurd (limit ${MAX_HEADER_BYTES} bytes); the file is corrupt or not safetensors`,
    );
  }
  const headerLen = Number(headerLenBig);
  if (headerLen > fileSize - 8) {
    fail(
      `header length ${headerLen} bytes is larger than the file allows (${fileSize - 8} bytes after the 8-byte length prefix); the file is truncated or corrupt`,
    );
  }
  return headerLen;
}

/** A tensor's place in the data buffer, as the header gives it. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets relative to the start of the data buffer. */
  begin: number;
  end: number;
}

/**
 * Parses and validates a header: its JSON bytes (without the 8-byte prefix) and the data buffer's length,
 * which the tensors must tile exactly.
 * @returns The metadata and the entries in header order.
 * @throws SafetensorsError naming `source` (and the tensor) for every structural problem.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  dataLen: number,
  source: string = DEFAULT_SOURCE,
): { metadata: Record<string, string>; entries: HeaderEntry[] } {
  const fail = (problem: string, tensor?: string): never => {
    throw new SafetensorsError(problem, source, tensor);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: JsonValue;
  try {
    // Integers only, as the reference reader: data_offsets written 4.0 or 1e3 are refused.
    header = parseStrictJson(text, { integersOnly: true });
  } catch (e) {
    return fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (!(header instanceof Map)) return fail(`header must be a JSON object, got ${describe(header)}`);

  // ---- entries -------------------------------------------------------------
  const metadata: Record<string, string> = {};
  const entries: ParsedEntry[] = [];
  for (const [name, info] of header) {
    if (name === METADATA_KEY) {
      if (!(info instanceof Map)) fail(`"${METADATA_KEY}" must be an object of strings, got ${describe(info)}`);
      for (const [k, v] of info as Map<string, JsonValue>) {
        if (typeof v !== 'string') {
          fail(`"${METADATA_KEY}" value for key ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
        }
        // defineProperty: a key such as "__proto__" becomes a plain own property.
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(parseEntry(name, info, dataLen, fail));
  }

  // ---- the tensors must tile the data buffer exactly ------------------------
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: ParsedEntry | undefined;
  for (const e of sorted) {
    if (e.begin < covered && last !== undefined) {
      fail(
        `data_offsets [${e.begin}, ${e.end}] overlap tensor ${JSON.stringify(last.name)} (data_offsets [${last.begin}, ${last.end}])`,
        e.name,
      );
    }
    if (e.begin > covered) {
      fail(
        `data buffer bytes [${covered}, ${e.begin}) are not covered by any tensor (gap before this tensor's data_offsets [${e.begin}, ${e.end}])`,
        e.name,
      );
    }
    covered = e.end;
    last = e;
  }
  if (covered !== dataLen) {
    fail(`data buffer has ${dataLen - covered} trailing bytes [${covered}, ${dataLen}) not covered by any tensor`);
  }
  return { metadata, entries };
}

function parseEntry(
  name: string,
  info: JsonValue,
  dataLen: number,
  fail: (problem: string, tensor?: string) => never,
): ParsedEntry {
  if (!(info instanceof Map)) return fail(`entry must be an object, got ${describe(info)}`, name);

  // dtype
  if (!info.has('dtype')) fail('missing "dtype"', name);
  const dtype = info.get('dtype');
  if (typeof dtype !== 'string') return fail(`"dtype" must be a string, got ${describe(dtype)}`, name);
  if (!isKnownDtype(dtype)) return fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${KNOWN_DTYPES})`, name);

  // shape
  if (!info.has('shape')) fail('missing "shape"', name);
  const shapeValue = info.get('shape');
  const sp = shapeProblem(shapeValue);
  if (sp !== undefined) fail(sp, name);
  const shape = (shapeValue as unknown[]).map(Number);

  // data_offsets
  if (!info.has('data_offsets')) fail('missing "data_offsets"', name);
  const offs = info.get('data_offsets');
  if (!Array.isArray(offs) || offs.length !== 2) {
    return fail(
      `"data_offsets" must be an array [begin, end] of two integers, got ${describe(offs)}${Array.isArray(offs) ? ` of length ${offs.length}` : ''}`,
      name,
    );
  }
  for (let i = 0; i < 2; i++) {
    const o = offs[i];
    const which = i === 0 ? 'begin' : 'end';
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
      const integral = o instanceof NonIntegerLiteral && Number.isSafeInteger(o.value) && o.value >= 0;
      fail(
        `data_offsets ${which} must be a non-negative integer, got ${describe(o)}${integral ? ' (integers only: no fraction or exponent, as the reference reader requires)' : ''}`,
        name,
      );
    }
  }
  const [begin, end] = offs as [number, number];
  if (begin > end) fail(`data_offsets [${begin}, ${end}] are invalid: begin is greater than end`, name);
  if (end > dataLen) {
    fail(
      `data_offsets end ${end} is beyond the end of the data buffer (${dataLen} bytes); the file is truncated or corrupt`,
      name,
    );
  }

  // byte length vs shape
  const expected = byteSizeOf(shape, dtype);
  if (expected !== BigInt(end - begin)) {
    fail(
      `byte length ${end - begin} (data_offsets [${begin}, ${end}]) does not match shape ${fmtShape(shape)} x ${dtype} (${DTYPE_SIZES[dtype]} bytes) = ${expected} bytes`,
      name,
    );
  }
  return { name, dtype, shape, begin, end };
}

/**
 * Reads and validates a safetensors file (the whole file is read into memory).
 *
 * @param path - File to read.
 * @returns Metadata and tensors (in header order); tensor data are views
 *   into one buffer holding the file.
 * @throws SafetensorsError if the file is malformed (message starts with
 *   `path`); the usual Node.js errors if it cannot be read (including
 *   ERR_FS_FILE_TOO_LARGE: Node 20 cannot read a file over 2 GiB in one go).
 * @example
 * const { metadata, tensors } = readSafetensors('model.safetensors');
 * const w = tensorAsFloat32(tensors.get('layer0.weight')!);
 */
export function readSafetensors(path: string): SafetensorsFile {
  const fd = openRegularFile(path);
  try {
    return parseSafetensors(fs.readFileSync(fd), path);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Opens a file for reading and checks it is a regular file (not a directory, device or FIFO, which would
 * read forever or fail late). O_NONBLOCK: opening a FIFO with no writer must not hang.
 * @returns The open file descriptor (the caller closes it).
 * @throws SafetensorsError naming the file when it is not a regular file; Node's errors when it cannot be opened.
 */
export function openRegularFile(path: string): number {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let kind: string | undefined;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      kind = st.isDirectory()
        ? 'a directory'
        : st.isFIFO()
          ? 'a FIFO (named pipe)'
          : st.isCharacterDevice()
            ? 'a character device'
            : st.isBlockDevice()
              ? 'a block device'
              : st.isSocket()
                ? 'a socket'
                : 'not a regular file';
    }
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (kind !== undefined) {
    fs.closeSync(fd);
    throw new SafetensorsError(`is ${kind}, not a regular file`, path);
  }
  return fd;
}

/**
 * Returns the elements of an F32, F16 or BF16 tensor as a Float32Array.
 *
 * - F32: a view sharing memory with `t.data` when it is 4-byte aligned (on a
 *   little-endian host), otherwise an aligned copy.
 * - F16 / BF16: a new array; the conversion is exact (subnormals, infinities,
 *   signed zeros and NaN payloads are preserved).
 *
 * @param t - A tensor, e.g. from {@link readSafetensors}.
 * @returns The tensor's values in row-major order.
 * @throws SafetensorsError naming the tensor and dtype for any other dtype.
 * @example
 * const t = readSafetensors('model.safetensors').tensors.get('layer0.bias')!;
 * const values = tensorAsFloat32(t); // Float32Array
 */
export function tensorAsFloat32(t: { name?: string; dtype: string; data: Uint8Array }): Float32Array {
  const { data, dtype } = t;
  const name = t.name ?? '<unnamed>';
  if (dtype === 'F32') {
    if (data.byteLength % 4 !== 0) {
      throw new SafetensorsError(`F32 data has ${data.byteLength} bytes, not a multiple of 4`, undefined, name);
    }
    const n = data.byteLength / 4;
    if (HOST_IS_LITTLE_ENDIAN) {
      if (data.byteOffset % 4 === 0) return new Float32Array(data.buffer, data.byteOffset, n);
      const out = new Float32Array(n);
      new Uint8Array(out.buffer).set(data);
      return out;
    }
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
    return out;
  }
  if (dtype === 'F16' || dtype === 'BF16') {
    if (data.byteLength % 2 !== 0) {
      throw new SafetensorsError(`${dtype} data has ${data.byteLength} bytes, not a multiple of 2`, undefined, name);
    }
    return dtype === 'F16' ? f16ToFloat32Array(data) : bf16ToFloat32Array(data);
  }
  throw new SafetensorsError(
    `cannot convert dtype ${dtype} to Float32Array (tensorAsFloat32 supports F32, F16 and BF16)`,
    undefined,
    name,
  );
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

interface WritePlan {
  /** 8-byte length prefix + header JSON padded with spaces to a multiple of 8. */
  head: Buffer;
  /** Tensor bytes in file order. */
  pieces: Uint8Array[];
  dataLen: number;
}

function planWrite(
  tensors: TensorsInput,
  metadata: Record<string, string> | undefined,
  source: string,
  skipDataLength = false,
): WritePlan {
  const fail = (problem: string, tensor?: string): never => {
    throw new SafetensorsError(problem, source, tensor);
  };
  let list: Iterable<readonly [string, TensorInput]>;
  if (tensors instanceof Map) list = tensors.entries();
  else if (Array.isArray(tensors)) list = tensors;
  else return fail('tensors must be an array of [name, tensor] pairs or a Map');

  const parts: string[] = [];
  if (metadata !== undefined) {
    const proto: unknown =
      metadata !== null && typeof metadata === 'object' ? Object.getPrototypeOf(metadata) : undefined;
    if (proto !== Object.prototype && proto !== null) {
      const kind =
        metadata === null
          ? 'null'
          : Array.isArray(metadata)
            ? 'an array'
            : metadata instanceof Map
              ? 'a Map'
              : typeof metadata === 'object'
                ? 'a class instance'
                : typeof metadata;
      fail(`metadata must be a plain object of strings, got ${kind}`);
    }
    const kv: string[] = [];
    for (const k of Object.keys(metadata)) {
      const v: unknown = metadata[k];
      if (typeof v !== 'string') fail(`metadata value for key ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v as string)) {
        fail(`metadata entry ${JSON.stringify(k)} contains a lone UTF-16 surrogate`);
      }
      kv.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    if (kv.length > 0) parts.push(`${JSON.stringify(METADATA_KEY)}:{${kv.join(',')}}`);
  }

  const seen = new Set<string>();
  const pieces: Uint8Array[] = [];
  const specs: TensorSpec[] = [];
  let index = 0;
  for (const pair of list) {
    if (!Array.isArray(pair) || pair.length !== 2) fail(`tensors[${index}] must be a [name, tensor] pair`);
    const [name, t] = pair;
    if (typeof name !== 'string') return fail(`tensors[${index}] name must be a string, got ${typeof name}`);
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved and cannot be a tensor name`, name);
    if (LONE_SURROGATE.test(name)) fail('name contains a lone UTF-16 surrogate', name);
    if (seen.has(name)) fail('duplicate tensor name', name);
    seen.add(name);
    if (t === null || typeof t !== 'object')
      fail(`expected a {dtype, shape, data} object, got ${t === null ? 'null' : typeof t}`, name);
    const { dtype, shape, data } = t;
    if (typeof dtype !== 'string') return fail(`dtype must be a string, got ${typeof dtype}`, name);
    if (!isKnownDtype(dtype)) return fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${KNOWN_DTYPES})`, name);
    const sp = shapeProblem(shape);
    if (sp !== undefined) fail(sp, name);
    if (!ArrayBuffer.isView(data)) fail('data must be a typed array, Buffer or DataView', name);
    const expected = byteSizeOf(shape, dtype);
    if (!skipDataLength && expected !== BigInt(data.byteLength)) {
      fail(
        `data has ${data.byteLength} bytes but shape ${fmtShape(shape)} x ${dtype} (${DTYPE_SIZES[dtype]} bytes) needs ${expected} bytes`,
        name,
      );
    }
    specs.push({ name, dtype, shape: shape.slice() });
    pieces.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    index++;
  }
  const { head, dataLen } = encodeHeader(parts, specs, fail);
  return { head, pieces, dataLen };
}

/** A tensor of a file to be written: everything but its bytes. */
export interface TensorSpec {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/** The byte length of a tensor of `spec` (shape x element size). */
export function specByteLength(spec: { dtype: SafetensorsDtype; shape: readonly number[] }): number {
  return Number(byteSizeOf(spec.shape, spec.dtype));
}

/** The 8-byte prefix and the space-padded header of already-checked specs laid out in order. */
function encodeHeader(
  metadataParts: string[],
  specs: readonly TensorSpec[],
  fail: (problem: string) => never,
): { head: Buffer; dataLen: number } {
  const parts = metadataParts.slice();
  let offset = 0;
  for (const { name, dtype, shape } of specs) {
    const begin = offset;
    offset += specByteLength({ dtype, shape });
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${offset}]}`,
    );
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) fail(`header would be ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);
  return { head, dataLen: offset };
}

/**
 * The header of a file holding `specs` in order (and `metadata`), checked like {@link writeSafetensors}
 * checks its input; what a streaming writer writes first.
 * @throws SafetensorsError naming `source` and the tensor on a bad name, dtype or shape.
 */
export function headerFor(
  specs: readonly TensorSpec[],
  metadata: Record<string, string> | undefined,
  source: string,
): { head: Buffer; dataLen: number } {
  const empty = specs.map((s) => [s.name, { dtype: s.dtype, shape: s.shape, data: new Uint8Array(0) }] as const);
  // planWrite checks names, dtypes, shapes and metadata; the bytes come later, so their length is not checked.
  const { head, dataLen } = planWrite(empty, metadata, source, true);
  return { head, dataLen };
}

/**
 * Serializes tensors (and optional string metadata) to an in-memory
 * safetensors file. Tensors are laid out contiguously in the order given; the
 * header is padded with spaces so the data buffer starts at a multiple of 8.
 *
 * @param tensors - `[name, {dtype, shape, data}]` pairs or a Map, in file order.
 *   `data` bytes are copied verbatim (they must be little-endian).
 * @param metadata - Optional `__metadata__` string map (omitted when empty).
 * @returns The complete file contents.
 * @throws SafetensorsError on duplicate or reserved names, unknown dtypes, bad
 *   shapes, or a data byte length that does not match shape x dtype size.
 * @example
 * const bytes = serializeSafetensors(
 *   [['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]],
 *   { format: 'pt' },
 * );
 * parseSafetensors(bytes).tensors.get('w')!.shape; // [2]
 */
export function serializeSafetensors(tensors: TensorsInput, metadata?: Record<string, string>): Buffer {
  const plan = planWrite(tensors, metadata, 'serializeSafetensors');
  const out = Buffer.allocUnsafe(plan.head.length + plan.dataLen);
  plan.head.copy(out, 0);
  let at = plan.head.length;
  for (const p of plan.pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Writes tensors (and optional string metadata) to a safetensors file,
 * atomically: the input is validated first (nothing is created if it is
 * invalid), the bytes go to `path + '.tmp-<pid>'`, are flushed to disk and the
 * temporary file is then renamed over `path`. On any failure the temporary
 * file is removed and an existing file at `path` is left untouched; a
 * temporary left by a killed process is removed by the next write to `path`.
 *
 * @param path - Destination file.
 * @param tensors - `[name, {dtype, shape, data}]` pairs or a Map, in file order.
 * @param metadata - Optional `__metadata__` string map (omitted when empty).
 * @throws SafetensorsError on invalid input (see {@link serializeSafetensors});
 *   the usual Node.js errors on I/O failure.
 * @example
 * writeSafetensors('out.safetensors', new Map([
 *   ['layer0.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
 * ]), { format: 'pt' });
 */
export function writeSafetensors(path: string, tensors: TensorsInput, metadata?: Record<string, string>): void {
  const plan = planWrite(tensors, metadata, path);
  cleanStaleTemps(path);
  const tmp = tempPathFor(path);
  const fd = fs.openSync(tmp, 'w');
  try {
    try {
      writeFully(fd, plan.head);
      for (const p of plan.pieces) writeFully(fd, p);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
    fsyncDir(nodePath.dirname(nodePath.resolve(path)));
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // keep the original error
    }
    throw e;
  }
}
