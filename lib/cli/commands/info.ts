/**
 * `prunekit info`: what is installed and what it runs on, for bug reports and "which kernels do I get?";
 * `prunekit info CHECKPOINT`: what a checkpoint holds (tensors, dtypes, shapes, bytes, sparsity, metadata).
 */
import type { Command } from '../command';
import { packageVersion } from '../../package-info';
import type { CliIo } from '../io';
import { openInput } from '../inputs';
import { type BytesProgress, formatBytes, startBytesProgress } from '../progress';
import { formatNumber, formatTable } from '../table';
import type { Checkpoint, CheckpointTensor } from '../../io';
import type { JsonValue } from '../../io/strict-json';

/** The report, also the `--json` output. `binary`, `simd` and `criteria` are null when the addon does not load. */
interface InfoReport {
  version: string;
  node: string;
  platform: string;
  /** `bindingOrigin` as the loader gives it: at least `kind` and `path`, plus whatever else it records. */
  binary: ({ kind: string; path: string } & Record<string, unknown>) | null;
  simd: { active: string; supported: string[]; compiled: string[] } | null;
  criteria: string[] | null;
  /** The environment variables that change what loads (only those set). */
  env: Record<string, string>;
  /** Why the addon did not load. */
  error?: string;
}

async function gather(): Promise<InfoReport> {
  const env: Record<string, string> = {};
  for (const key of ['PRUNEKIT_BINARY', 'PRUNEKIT_SIMD']) if (process.env[key]) env[key] = process.env[key] as string;
  const report: InfoReport = {
    version: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    binary: null,
    simd: null,
    criteria: null,
    env,
  };
  try {
    // Loaded here, not at import: info must still report the rest when the binary is broken.
    const lib = await import('../../index');
    // A copy of every field, so what the loader learns to record (libc, skipped candidates) shows up here too.
    report.binary = { ...lib.bindingOrigin };
    report.simd = lib.simdInfo();
    report.criteria = lib.criteriaNames();
  } catch (err) {
    report.error = err instanceof Error ? err.message : String(err);
  }
  return report;
}

function text(r: InfoReport): string {
  const rows: Array<[string, string]> = [
    ['prunekit', r.version],
    ['node', r.node],
    ['platform', r.platform],
  ];
  for (const [key, value] of Object.entries(r.env)) rows.push([key, value]);
  if (r.binary && r.simd && r.criteria) {
    rows.push(['binary', `${r.binary.path} (${r.binary.kind})`]);
    const { target, passedOver } = r.binary as {
      target?: { libc?: unknown; libcVersion?: unknown };
      passedOver?: unknown;
    };
    if (typeof target?.libc === 'string')
      rows.push([
        'libc',
        typeof target.libcVersion === 'string' ? `${target.libc} ${target.libcVersion}` : target.libc,
      ]);
    if (Array.isArray(passedOver)) for (const skipped of passedOver) rows.push(['passed over', String(skipped)]);
    rows.push([
      'simd',
      `${r.simd.active} (supported: ${r.simd.supported.join(', ')}; compiled: ${r.simd.compiled.join(', ')})`,
    ]);
    rows.push(['criteria', r.criteria.join(', ')]);
  } else {
    rows.push(['binary', 'does not load (the reason is on stderr)']);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** One tensor as `info CHECKPOINT` reports it. */
interface TensorReport {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
  shard: string;
  elements: number;
  zeros: number;
  sparsity: number;
}

/** Elements equal to zero: +0 or -0 for the floating dtypes, all bytes 0 for the others. */
function countZeros(bytes: Uint8Array, dtype: string, elementSize: number): number {
  let zeros = 0;
  if (dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64') {
    // The sign bit is the top bit of the last (little-endian) byte.
    for (let i = 0; i < bytes.length; i += elementSize) {
      let any = bytes[i + elementSize - 1] & 0x7f;
      for (let j = 0; j < elementSize - 1 && any === 0; j++) any |= bytes[i + j];
      if (any === 0) zeros++;
    }
    return zeros;
  }
  for (let i = 0; i < bytes.length; i += elementSize) {
    let any = 0;
    for (let j = 0; j < elementSize && any === 0; j++) any |= bytes[i + j];
    if (any === 0) zeros++;
  }
  return zeros;
}

/** Reads every tensor once (one at a time) and counts its zeros. */
function describeCheckpoint(ckpt: Checkpoint, progress: BytesProgress) {
  const tensors: TensorReport[] = [];
  let elements = 0;
  let zeros = 0;
  for (const t of ckpt.tensors) {
    const size = elementSize(t);
    const n = t.shape.reduce((a, d) => a * d, 1);
    const z = countZeros(ckpt.read(t), t.dtype, size);
    tensors.push({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      bytes: t.byteLength,
      shard: ckpt.shardNames[t.shard],
      elements: n,
      zeros: z,
      sparsity: n ? z / n : 0,
    });
    elements += n;
    zeros += z;
    progress.advance(t.byteLength, 'reading', t.name);
  }
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ckpt.metadata))
    Object.defineProperty(metadata, k, { value: plain(v), enumerable: true });
  const shardMetadata =
    ckpt.kind === 'sharded'
      ? ckpt.shards.map((s, i) => ({ shard: ckpt.shardNames[i], metadata: s.metadata }))
      : undefined;
  const pruned = findPruned(ckpt);
  return {
    path: ckpt.path,
    kind: ckpt.kind,
    shards: ckpt.shardNames,
    metadata,
    ...(shardMetadata ? { shard_metadata: shardMetadata } : {}),
    prunekit_pruned: pruned,
    tensors,
    total: {
      tensors: tensors.length,
      bytes: ckpt.dataBytes,
      elements,
      zeros,
      sparsity: elements ? zeros / elements : 0,
    },
  };
}

function elementSize(t: CheckpointTensor): number {
  const n = t.shape.reduce((a, d) => a * d, 1);
  return n === 0 ? 1 : t.byteLength / n;
}

/** The strict parser's Maps as plain objects, for JSON output. */
function plain(v: JsonValue | string): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) Object.defineProperty(o, k, { value: plain(x), enumerable: true });
    return o;
  }
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** prunekit's own record of how the checkpoint was pruned, parsed (from the index, else the first shard). */
function findPruned(ckpt: Checkpoint): unknown {
  const raw = ckpt.metadata.prunekit_pruned ?? ckpt.shards[0]?.metadata.prunekit_pruned;
  if (typeof raw !== 'string') return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function checkpointText(r: ReturnType<typeof describeCheckpoint>): string {
  const sharded = r.kind === 'sharded';
  const header = ['name', 'dtype', 'shape', 'bytes', ...(sharded ? ['shard'] : []), 'sparsity'];
  const rows = r.tensors.map((t) => [
    t.name,
    t.dtype,
    `[${t.shape.join(', ')}]`,
    String(t.bytes),
    ...(sharded ? [t.shard] : []),
    formatNumber(t.sparsity),
  ]);
  rows.push(['total', '', '', String(r.total.bytes), ...(sharded ? [''] : []), formatNumber(r.total.sparsity)]);
  let text = formatTable(header, rows, [
    'left',
    'left',
    'left',
    'right',
    ...(sharded ? ['left' as const] : []),
    'right',
  ]);
  text += `\n${r.path}: ${r.kind === 'sharded' ? `${r.shards.length} shards, ` : ''}${r.total.tensors} tensors, ${formatBytes(r.total.bytes)}, sparsity ${formatNumber(r.total.sparsity)}\n`;
  const keys = Object.keys(r.metadata);
  if (keys.length > 0)
    text += `metadata:\n${keys.map((k) => `  ${k}: ${typeof r.metadata[k] === 'string' ? r.metadata[k] : JSON.stringify(r.metadata[k])}\n`).join('')}`;
  if (r.prunekit_pruned !== null) text += `pruned by prunekit: ${JSON.stringify(r.prunekit_pruned)}\n`;
  return text;
}

async function infoCheckpoint(file: string, json: boolean, io: CliIo): Promise<number> {
  const ckpt = openInput(file, 'checkpoint');
  const progress = startBytesProgress(ckpt.tensors.length > 1 ? io.progressStream : undefined, ckpt.dataBytes);
  try {
    const r = describeCheckpoint(ckpt, progress);
    progress.stop();
    io.stdout(json ? JSON.stringify(r, null, 2) + '\n' : checkpointText(r));
    return 0;
  } finally {
    progress.stop();
    ckpt.close();
  }
}

/** `prunekit info [CHECKPOINT] [--json]`. */
export const command: Command = {
  name: 'info',
  summary: 'Show the version, platform, native binary and instruction sets, or what a checkpoint holds',
  usage: ['prunekit info [--json]', 'prunekit info MODEL.safetensors|INDEX.json|DIR [--json]'],
  description: [
    'Prints the prunekit and Node.js versions, the platform, which native binary is loaded and where it came ' +
      'from (override: PRUNEKIT_BINARY; prebuilt: prebuilds/<platform>-<arch>; built: a local cmake-js build), ' +
      'the instruction set the kernels use and the ones this CPU supports, and the registered criteria.',
    'If the binary does not load, the rest is still printed, the reason goes to stderr and the exit code is 1.',
    "With a checkpoint (a .safetensors file, a sharded checkpoint's *.safetensors.index.json, or a folder holding " +
      'one), prints every tensor (dtype, shape, bytes, shard, share of zero elements), the totals, the metadata and ' +
      'the prunekit_pruned record of a checkpoint prunekit pruned. Tensors are read one at a time.',
  ],
  examples: ['prunekit info', 'PRUNEKIT_SIMD=scalar prunekit info --json', 'prunekit info llama-pruned/ --json'],
  args: {
    positionals: [
      { name: 'CHECKPOINT', description: 'A .safetensors file, an index.json or a folder', optional: true },
    ],
    options: [{ name: 'json', description: 'Print one JSON object instead of text' }],
  },
  async run(args, io) {
    if (args.positionals.length > 0) return infoCheckpoint(args.positionals[0], args.flag('json'), io);
    const report = await gather();
    io.stdout(args.flag('json') ? JSON.stringify(report, null, 2) + '\n' : text(report));
    if (report.error === undefined) return 0;
    io.stderr(`prunekit info: ${report.error}\n`);
    return 1;
  },
};
