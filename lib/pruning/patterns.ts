/**
 * Pruning patterns: parsing pattern names, the 2-D view of a weight, whether a block divides a layer, and the
 * block-score reduction (SPEC.md section 2, "Patterns").
 *
 * Facts taken from the reference (Intel Neural Compressor, `compression/pruner/patterns/nxm.py`, `ninm.py`,
 * `base.py`):
 *   - a pattern name may carry a prefix ending in `_`; only the text after the last `_` is the pattern
 *     (`"tile_pattern_4x1"` is `"4x1"`),
 *   - `NxM`: N rows along the output axis, M columns along the input axis of the 2-D view; `channel` in
 *     either place means the whole axis,
 *   - `N:M`: N of every M consecutive input-axis weights are pruned; only the input axis must divide by M,
 *   - a 4-D conv weight `[cout, cin, kh, kw]` is permuted to `[cout, kh, kw, cin]` and reshaped to
 *     `[cout, kh*kw*cin]`; other ranks than 2 and 4 are not pruned here,
 *   - a block score is `reduce(reduce(x, dim=-1), dim=1)` over the `[rows/N, N, cols/M, M]` reshape, with
 *     `criterion_reduce_type` `mean`, `sum` or `max`: first over the M input-axis elements of each block
 *     row, then over the N partial results.
 */

import { ArgumentError, ConfigError, ShapeError } from '../errors';
import { isFloat32Array } from '../typed-arrays';

/** One dimension of a block: a positive integer, or `'channel'` for the whole axis of the layer. */
export type BlockDim = number | 'channel';

/** An `NxM` block pattern (`"4x1"`, `"1x1"`, `"channelx1"`, `"1xchannel"`, ...). */
export interface BlockPattern {
  /** Discriminant. */
  readonly kind: 'block';
  /** The name as given (prefix included). */
  readonly name: string;
  /** Block height, along the output axis (rows of the 2-D view). */
  readonly blockRows: BlockDim;
  /** Block width, along the input axis (columns of the 2-D view). */
  readonly blockCols: BlockDim;
}

/** An `N:M` pattern: N of every M consecutive input-axis weights are pruned (`"2:4"`). */
export interface NMPattern {
  /** Discriminant. */
  readonly kind: 'n:m';
  /** The name as given (prefix included). */
  readonly name: string;
  /** Weights pruned per group, 0 < n < m. */
  readonly n: number;
  /** Group size along the input axis. */
  readonly m: number;
}

/** A parsed pattern name. */
export type PruningPattern = BlockPattern | NMPattern;

/** The largest group an N:M pattern may have (the group kernel sorts each group; 2:4 and 4:8 are the usual). */
export const MAX_NM_GROUP = 1024;

/** The accepted pattern forms, as listed in error messages. */
export const ACCEPTED_PATTERN_FORMS: readonly string[] = Object.freeze([
  '"NxM" with N, M positive integers (e.g. "4x1", "1x1", "2x2")',
  '"channelxM" / "Nxchannel" (whole columns / rows, e.g. "channelx1", "1xchannel")',
  '"N:M" with integers 0 < N < M <= 1024 (e.g. "2:4", "1:4")',
]);

/** Block score reductions (`criterion_reduce_type`). */
export type ReduceType = 'mean' | 'sum' | 'max';

/** The accepted `criterion_reduce_type` names. */
export const REDUCE_TYPES: readonly ReduceType[] = Object.freeze(['mean', 'sum', 'max'] as ReduceType[]);

/**
 * Check a `criterion_reduce_type` name.
 *
 * @param name the name to check.
 * @returns the name, typed.
 * @throws Error naming the value and listing the accepted names.
 */
export function parseReduceType(name: unknown): ReduceType {
  if (typeof name === 'string' && (REDUCE_TYPES as readonly string[]).includes(name)) return name as ReduceType;
  throw new ConfigError(
    `unknown criterion_reduce_type ${JSON.stringify(name)}: accepted names are ${REDUCE_TYPES.map((r) => `"${r}"`).join(', ')}`,
  );
}

const POSITIVE_INT = /^[0-9]+$/;

function parsePositiveInt(text: string): number | null {
  if (!POSITIVE_INT.test(text)) return null;
  const v = Number(text);
  return Number.isSafeInteger(v) && v > 0 ? v : null;
}

/**
 * Parse a pattern name into a typed description.
 *
 * @param name `"NxM"`, `"channelxM"`, `"Nxchannel"` or `"N:M"`, optionally after a prefix ending in `_`
 *   (as the reference accepts, e.g. `"tile_pattern_4x1"`).
 * @returns the parsed pattern.
 * @throws Error naming the pattern and listing the accepted forms when the name is unknown or ill-formed
 *   (not a string, zero sizes, `N >= M` for `N:M`, `"channelxchannel"`, extra separators, ...).
 */
export function parsePattern(name: string): PruningPattern {
  const fail = (why: string): never => {
    throw new ConfigError(
      `unknown pruning pattern ${JSON.stringify(name)} (${why}); accepted forms: ${ACCEPTED_PATTERN_FORMS.join('; ')}`,
    );
  };
  if (typeof name !== 'string') return fail(`expected a string, got ${name === null ? 'null' : typeof name}`);
  const core = name.slice(name.lastIndexOf('_') + 1);
  if (core.includes(':')) {
    const parts = core.split(':');
    if (parts.length !== 2) return fail('an N:M pattern has exactly one ":"');
    const n = parsePositiveInt(parts[0]);
    const m = parsePositiveInt(parts[1]);
    if (n === null || m === null) return fail('N and M must be positive integers');
    if (n >= m) return fail('N:M needs N < M');
    if (m > MAX_NM_GROUP) return fail(`M is at most ${MAX_NM_GROUP}`);
    return Object.freeze({ kind: 'n:m', name, n, m });
  }
  const parts = core.split('x');
  if (parts.length !== 2) return fail('expected "NxM" or "N:M"');
  const dim = (text: string): BlockDim | null => (text === 'channel' ? 'channel' : parsePositiveInt(text));
  const rows = dim(parts[0]);
  const cols = dim(parts[1]);
  if (rows === null || cols === null) return fail('N and M must be positive integers or "channel"');
  if (rows === 'channel' && cols === 'channel') return fail('only one of N, M may be "channel"');
  return Object.freeze({ kind: 'block', name, blockRows: rows, blockCols: cols });
}

function asPattern(pattern: string | PruningPattern): PruningPattern {
  return typeof pattern === 'string' ? parsePattern(pattern) : pattern;
}

/**
 * Resolve a block pattern's size for a layer whose 2-D view is `rows x cols` (`channel` becomes the whole
 * axis).
 *
 * @param pattern a block pattern (or its name).
 * @param rows rows of the 2-D view (output axis).
 * @param cols columns of the 2-D view (input axis).
 * @returns `[blockRows, blockCols]` as integers.
 * @throws Error if the pattern is an `N:M` pattern (it has no rectangular block).
 */
export function resolveBlockSize(pattern: string | PruningPattern, rows: number, cols: number): [number, number] {
  const p = asPattern(pattern);
  if (p.kind !== 'block') {
    throw new ArgumentError(`pattern "${p.name}" is an N:M pattern and has no rectangular block size`);
  }
  return [p.blockRows === 'channel' ? rows : p.blockRows, p.blockCols === 'channel' ? cols : p.blockCols];
}

/** The 2-D `[rows, cols]` view of a prunable weight. */
export interface WeightView {
  /** Output axis length (`out`, or `cout` for a conv). */
  readonly rows: number;
  /** Input axis length (`in`, or `kh*kw*cin` for a conv). */
  readonly cols: number;
  /** False only for `[out, in]`, whose buffer is the view itself. */
  readonly permuted: boolean;
  /** The buffer's layout. */
  readonly layout: WeightLayout;
}

/** Result of {@link viewOf}: the view, or why the weight is not prunable. */
export type WeightViewResult =
  { readonly ok: true; readonly view: WeightView } | { readonly ok: false; readonly reason: string };

/**
 * Check a shape: an array of non-negative safe integers.
 *
 * @param shape the shape to check.
 * @returns the number of elements.
 * @throws RangeError if the shape is not an array of non-negative safe integers or its size overflows.
 */
export function shapeSize(shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new ShapeError(`shape must be an array of integers, got ${typeof shape}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`shape [${shape.join(', ')}] must hold non-negative integers`);
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) throw new ShapeError(`shape [${shape.join(', ')}] has too many elements`);
  return size;
}

/**
 * How a weight's buffer is laid out (row-major over its shape):
 *   - `"oi"`: `[out, in]` (PyTorch / INC Linear; the default for 2-D weights),
 *   - `"io"`: `[in, out]` (TensorFlow.js Dense kernels),
 *   - `"oihw"`: `[cout, cin, kh, kw]` (PyTorch / INC Conv2d; the default for 4-D weights),
 *   - `"hwio"`: `[kh, kw, cin, cout]` (TensorFlow.js Conv2D kernels).
 * Every pattern keeps INC's meaning in every layout: it is defined on the 2-D view `[out, in]` (a conv's
 * `[cout, kh*kw*cin]`), so `4x1` is 4 along the output axis and `2:4` groups along the input axis.
 */
export type WeightLayout = 'oi' | 'io' | 'oihw' | 'hwio';

/** The accepted layouts with the rank each needs. */
export const LAYOUT_RANKS: Readonly<Record<WeightLayout, number>> = Object.freeze({ oi: 2, io: 2, oihw: 4, hwio: 4 });

/**
 * The layout of a weight: the one given, checked against the shape's rank, or the default for the rank.
 * @returns the layout, or null for a rank no layout has (the caller skips such a weight).
 * @throws ShapeError for a layout that is not one of the four, or whose rank is not the shape's.
 */
export function resolveLayout(layout: unknown, shape: readonly number[], where: string): WeightLayout | null {
  if (layout === undefined) return shape.length === 2 ? 'oi' : shape.length === 4 ? 'oihw' : null;
  if (typeof layout !== 'string' || !Object.prototype.hasOwnProperty.call(LAYOUT_RANKS, layout))
    throw new ShapeError(
      `${where}: unknown layout ${JSON.stringify(layout)}; accepted: "oi" ([out, in]), "io" ([in, out]), "oihw" ([cout, cin, kh, kw]), "hwio" ([kh, kw, cin, cout])`,
    );
  const rank = LAYOUT_RANKS[layout as WeightLayout];
  if (shape.length !== rank)
    throw new ShapeError(`${where}: layout "${layout}" needs a ${rank}-D weight, got shape [${shape.join(', ')}]`);
  return layout as WeightLayout;
}

/**
 * A module entry's layout, checked against its shape (a layout on an entry without a shape is refused).
 * @throws ShapeError naming the module for an unknown layout or one whose rank is not the shape's.
 */
export function layoutOf(
  name: string,
  entry: { shape?: readonly number[]; layout?: unknown },
): WeightLayout | undefined {
  if (entry.layout === undefined) return undefined;
  if (entry.shape === undefined)
    throw new ShapeError(`module "${name}": layout ${JSON.stringify(entry.layout)} given without a shape`);
  return resolveLayout(entry.layout, entry.shape, `module "${name}"`) ?? undefined;
}

/**
 * The 2-D view of a weight from its shape and layout: `[out, in]` as is; `[in, out]` transposed; a conv
 * `[cout, cin, kh, kw]` as `[cout, kh*kw*cin]` (the reference's `permute(0, 2, 3, 1)` then reshape; see
 * {@link toViewOrder}); `[kh, kw, cin, cout]` as the same `[cout, kh*kw*cin]`.
 *
 * @param shape the weight's shape.
 * @param layout the buffer's layout (default `"oi"` for 2-D, `"oihw"` for 4-D).
 * @returns `{ ok: true, view }`, or `{ ok: false, reason }` for ranks other than 2 and 4 (biases, 1-D norms,
 *   3-D weights) and for weights with no element.
 * @throws RangeError if the shape is not an array of non-negative safe integers; ShapeError for a layout
 *   that does not fit the shape.
 */
export function viewOf(shape: readonly number[], layout?: WeightLayout): WeightViewResult {
  const size = shapeSize(shape);
  const text = `[${shape.join(', ')}]`;
  if (shape.length !== 2 && shape.length !== 4) {
    return {
      ok: false,
      reason: `shape ${text} has rank ${shape.length}: only 2-D [out, in] and 4-D [cout, cin, kh, kw] weights are prunable`,
    };
  }
  const l = resolveLayout(layout, shape, `shape ${text}`) as WeightLayout;
  if (size === 0) return { ok: false, reason: `shape ${text} has no element` };
  switch (l) {
    case 'oi':
      return { ok: true, view: { rows: shape[0], cols: shape[1], permuted: false, layout: l } };
    case 'io':
      return { ok: true, view: { rows: shape[1], cols: shape[0], permuted: true, layout: l } };
    case 'oihw':
      return { ok: true, view: { rows: shape[0], cols: shape[1] * shape[2] * shape[3], permuted: true, layout: l } };
    case 'hwio':
      return { ok: true, view: { rows: shape[3], cols: shape[0] * shape[1] * shape[2], permuted: true, layout: l } };
  }
}

function requireView(shape: readonly number[], layout?: WeightLayout): WeightView {
  const r = viewOf(shape, layout);
  if (!r.ok) throw new ShapeError(r.reason);
  return r.view;
}

/**
 * Index mapping of the 2-D view: entry `v` is the index, in the weight's own row-major buffer, of element `v`
 * (row-major) of the 2-D view. The identity for `[out, in]`; for a conv `[cout, cin, kh, kw]` the view
 * element `(o, (h*kw + w)*cin + c)` is the buffer element `(o, c, h, w)`; for `[in, out]` and
 * `[kh, kw, cin, cout]` the view element `(o, i)` is the buffer element `i * out + o` (the buffer is the
 * view's transpose).
 *
 * @param shape a prunable shape (rank 2 or 4, non-empty).
 * @param layout the buffer's layout (default by rank).
 * @returns the mapping, one entry per element.
 * @throws RangeError if the shape is not prunable.
 */
export function viewIndexMap(shape: readonly number[], layout?: WeightLayout): Uint32Array {
  const view = requireView(shape, layout);
  const { rows, cols } = view;
  const n = rows * cols;
  const map = new Uint32Array(n);
  if (view.layout === 'oi') {
    for (let i = 0; i < n; i++) map[i] = i;
    return map;
  }
  if (view.layout === 'io' || view.layout === 'hwio') {
    let v = 0;
    for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) map[v++] = i * rows + o;
    return map;
  }
  const [cout, cin, kh, kw] = shape;
  let v = 0;
  for (let o = 0; o < cout; o++) {
    for (let h = 0; h < kh; h++) {
      for (let w = 0; w < kw; w++) {
        for (let c = 0; c < cin; c++) map[v++] = ((o * cin + c) * kh + h) * kw + w;
      }
    }
  }
  return map;
}

/** The typed arrays the view helpers accept. */
export type ViewableArray = Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array;

function checkLength(buf: ViewableArray, shape: readonly number[]): void {
  const size = shapeSize(shape);
  if (buf.length !== size) {
    throw new ShapeError(`buffer length ${buf.length} does not match shape [${shape.join(', ')}] (${size} elements)`);
  }
}

/**
 * Copy a buffer in the weight's own layout into the 2-D view's row-major order.
 *
 * @param src the buffer (weight, scores or mask) in the weight's layout.
 * @param shape the weight's shape (rank 2 or 4).
 * @returns a new array of the same type in view order (a copy even for 2-D weights).
 * @throws RangeError if the shape is not prunable or does not match the length.
 */
export function toViewOrder<T extends ViewableArray>(src: T, shape: readonly number[], layout?: WeightLayout): T {
  checkLength(src, shape);
  const map = viewIndexMap(shape, layout);
  const out = new (src.constructor as new (n: number) => T)(src.length);
  for (let v = 0; v < map.length; v++) out[v] = src[map[v]];
  return out;
}

/**
 * Copy a buffer in the 2-D view's row-major order back into the weight's own layout (inverse of
 * {@link toViewOrder}; the reference's reshape to `[cout, kh, kw, cin]` then `permute(0, 3, 1, 2)`).
 *
 * @param view the buffer in view order.
 * @param shape the weight's shape (rank 2 or 4).
 * @returns a new array of the same type in the weight's layout.
 * @throws RangeError if the shape is not prunable or does not match the length.
 */
export function fromViewOrder<T extends ViewableArray>(view: T, shape: readonly number[], layout?: WeightLayout): T {
  checkLength(view, shape);
  const map = viewIndexMap(shape, layout);
  const out = new (view.constructor as new (n: number) => T)(view.length);
  for (let v = 0; v < map.length; v++) out[map[v]] = view[v];
  return out;
}

/**
 * Why a layer of this shape is skipped by a pattern, or `null` when the pattern applies. The reference skips
 * such a layer with a warning (`"<name> shape ... cannot be divided by <pattern>"`); the caller logs the text.
 *
 * @param pattern the pattern (or its name).
 * @param shape the weight's shape.
 * @param layerName optional layer name, to start the message with.
 * @returns the reason text, or `null` if the layer is prunable with this pattern.
 * @throws Error for an unknown pattern name; RangeError for a malformed shape.
 */
export function layerSkipReason(
  pattern: string | PruningPattern,
  shape: readonly number[],
  layerName?: string,
  layout?: WeightLayout,
): string | null {
  const p = asPattern(pattern);
  const who = layerName === undefined ? '' : `${layerName}: `;
  const r = viewOf(shape, layout);
  if (!r.ok) return `${who}${r.reason}`;
  const { rows, cols } = r.view;
  const viewText = `2-D view [${rows}, ${cols}]`;
  if (p.kind === 'n:m') {
    if (cols % p.m !== 0) {
      return `${who}${viewText} of shape [${shape.join(', ')}] cannot be divided by pattern "${p.name}": ${cols} input columns are not a multiple of ${p.m}`;
    }
    return null;
  }
  const [bn, bm] = resolveBlockSize(p, rows, cols);
  const bad: string[] = [];
  if (rows % bn !== 0) bad.push(`${rows} rows are not a multiple of ${bn}`);
  if (cols % bm !== 0) bad.push(`${cols} columns are not a multiple of ${bm}`);
  if (bad.length === 0) return null;
  return `${who}${viewText} of shape [${shape.join(', ')}] cannot be divided by pattern "${p.name}": ${bad.join(', ')}`;
}

/**
 * Why a module of the modules record cannot be pruned under `pattern` (no shape given, a shape that is
 * not 2-D / 4-D, or one the block does not divide), or null.
 * @example
 * moduleSkipReason('4x1', 'fc.bias', [768]); // 'fc.bias: ...'
 */
export function moduleSkipReason(
  pattern: string | PruningPattern,
  name: string,
  shape: readonly number[] | undefined,
  layout?: WeightLayout,
): string | null {
  if (shape === undefined) return `${name}: no shape given (a prunable weight needs [out, in] or [cout, cin, kh, kw])`;
  return layerSkipReason(pattern, shape, name, layout);
}

/**
 * Block scores of a 2-D score matrix, as the reference computes them in float32 on the CPU:
 * `reduce(reduce(x.reshape(rows/N, N, cols/M, M), dim=-1), dim=1)`.
 *
 * Numerics (each operation rounded to float32, no fused multiply-add):
 *   - `sum`: first each block row's M input-axis scores are summed left to right from 0, then the N
 *     row sums are summed left to right from 0;
 *   - `mean`: the same two stages, each stage's sum divided by its count (M, then N) in float32, as PyTorch's
 *     CPU `mean` (`sum(...).div_(count)`), i.e. `((sum_j(sum_i x)/M))/N`, not one division by N*M;
 *   - `max`: the largest score; a NaN anywhere in the block gives NaN (PyTorch's max propagates NaN).
 * This is bit-for-bit PyTorch's result for every reduced length up to 4 (PyTorch's CPU sum kernel adds up to
 * 4 values left to right in float32: verified against every case of the shared `masks.json` vectors, which
 * use 1x1, 2x1, 4x1 and 1x4 blocks; a float64 accumulation rounded once at the end does NOT match them).
 * For longer reductions (e.g. `"1xchannel"`, `"1x16"`) PyTorch's SIMD cascade sum adds in an order that
 * depends on the machine's vector width; prunekit keeps the plain left-to-right float32 order there, which
 * can differ from PyTorch in the last bits.
 *
 * @param scores the scores in 2-D view order, row-major, `rows * cols` entries.
 * @param rows rows of the 2-D view.
 * @param cols columns of the 2-D view.
 * @param pattern a block pattern (or its name); `channel` resolves to the whole axis.
 * @param reduce `'mean'`, `'sum'` or `'max'`.
 * @returns the block scores, row-major over the `(rows/N) x (cols/M)` blocks.
 * @throws Error for an N:M pattern, an unknown pattern or reduce name; RangeError if the length does not
 *   match or the block does not divide the matrix.
 */
export function reduceBlocks(
  scores: Float32Array,
  rows: number,
  cols: number,
  pattern: string | PruningPattern,
  reduce: ReduceType,
): Float32Array {
  const kind = parseReduceType(reduce);
  if (!isFloat32Array(scores)) throw new ArgumentError('scores must be a Float32Array');
  for (const [what, v] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new ShapeError(`${what} must be a non-negative integer, got ${v}`);
  }
  if (scores.length !== rows * cols) {
    throw new ShapeError(`scores length ${scores.length} does not match ${rows} x ${cols} = ${rows * cols}`);
  }
  const [bn, bm] = resolveBlockSize(pattern, rows, cols);
  if (rows % bn !== 0 || cols % bm !== 0) {
    throw new ShapeError(`block ${bn}x${bm} does not divide the ${rows} x ${cols} matrix`);
  }
  const br = rows / bn;
  const bc = cols / bm;
  const out = new Float32Array(br * bc);
  const f = Math.fround;
  for (let i = 0; i < br; i++) {
    for (let j = 0; j < bc; j++) {
      let outer = 0;
      for (let r = 0; r < bn; r++) {
        const base = (i * bn + r) * cols + j * bm;
        let inner: number;
        if (kind === 'max') {
          inner = scores[base];
          for (let c = 1; c < bm; c++) {
            const x = scores[base + c];
            if (x > inner || Number.isNaN(x)) inner = x;
            if (Number.isNaN(inner)) break;
          }
        } else {
          inner = 0;
          for (let c = 0; c < bm; c++) inner = f(inner + scores[base + c]);
          if (kind === 'mean') inner = f(inner / bm);
        }
        if (kind === 'max') {
          if (r === 0 || inner > outer || Number.isNaN(inner)) outer = inner;
          if (Number.isNaN(outer)) break;
        } else {
          outer = f(outer + inner);
        }
      }
      if (kind === 'mean') outer = f(outer / bn);
      out[i * bc + j] = outer;
    }
  }
  return out;
}

/**
 * Expand a block-level keep mask to the element level of the 2-D view (each block's flag repeated over its
 * `blockRows x blockCols` elements).
 *
 * @param blockKeep one flag per block, row-major over the `(rows/N) x (cols/M)` blocks.
 * @param rows rows of the 2-D view.
 * @param cols columns of the 2-D view.
 * @param blockRows block height N.
 * @param blockCols block width M.
 * @returns the element mask in view order, `rows * cols` entries.
 * @throws RangeError if the sizes do not agree.
 */
export function expandBlockMask(
  blockKeep: Uint8Array,
  rows: number,
  cols: number,
  blockRows: number,
  blockCols: number,
): Uint8Array {
  if (rows % blockRows !== 0 || cols % blockCols !== 0) {
    throw new ShapeError(`block ${blockRows}x${blockCols} does not divide the ${rows} x ${cols} matrix`);
  }
  const bc = cols / blockCols;
  if (blockKeep.length !== (rows / blockRows) * bc) {
    throw new ShapeError(`block mask length ${blockKeep.length} does not match ${rows / blockRows} x ${bc} blocks`);
  }
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const brow = Math.floor(r / blockRows) * bc;
    for (let c = 0; c < cols; c++) out[r * cols + c] = blockKeep[brow + Math.floor(c / blockCols)];
  }
  return out;
}
