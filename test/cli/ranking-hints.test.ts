// The read-ahead hints of global scope's histogram rounds (lib/cli/stream-prune.ts `hintAhead`): the ranking
// reads are synchronous, so before each one the kernel is told which layers come next. Checked on the trace of
// a real run (every layer read is hinted first in its pass, hints in model order, each once a pass) and on the
// window alone; the hint itself (lib/io/will-need.ts) on real and closed file descriptors.
import * as fs from 'node:fs';
import {
  type Checkpoint,
  type CheckpointTensor,
  type TensorInput,
  openCheckpoint,
  writeSafetensors,
} from '../../lib/io';
import { SafetensorsReader } from '../../lib/io/safetensors-stream';
import { HINT_BYTES, willNeed } from '../../lib/io/will-need';
import { parsePattern } from '../../lib/pruning';
import { startBytesProgress } from '../../lib/cli/progress';
import { RANKING_AHEAD_BYTES, type StreamPruneOptions, hintAhead, streamPrune } from '../../lib/cli/stream-prune';
import { randomFloats } from '../../lib/bench/timing';
import { tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** Random weights of `dtype` (BF16: the top half of an F32), a few exact ties. */
function weights(dtype: 'F32' | 'BF16', shape: number[], scale: number, next: () => number): TensorInput {
  const n = shape[0] * shape[1];
  const values = Float32Array.from({ length: n }, (_, i) => scale * (i % 13 === 0 ? 0.5 : next()));
  if (dtype === 'F32') return { dtype, shape, data: values };
  return { dtype, shape, data: Uint16Array.from(new Uint32Array(values.buffer), (u) => u >>> 16) };
}

/**
 * Eight 2-D weights with a 1-D norm after each (not prunable: never read by the ranking); the even layers are
 * 64 times smaller, so a per-layer cap freezes them alone, and its reads skip the odd ones.
 */
function model(dtype: 'F32' | 'BF16'): Array<[string, TensorInput]> {
  const next = randomFloats(11);
  const out: Array<[string, TensorInput]> = [];
  for (let i = 0; i < 8; i++) {
    out.push([`layers.${i}.weight`, weights(dtype, [8 + 4 * (i % 3), 16], i % 2 === 0 ? 1 / 64 : 1, next)]);
    out.push([
      `layers.${i}.norm`,
      { dtype, shape: [16], data: dtype === 'F32' ? new Float32Array(16) : new Uint16Array(16) },
    ]);
  }
  return out;
}

type Event = { kind: 'read' | 'hint'; layer: number };

/**
 * Prunes `file` 4x1 global through the histogram rounds (score budget 0), tracing the synchronous reads and
 * the hints (passed on to the kernel when `hint`).
 */
async function tracedPrune(file: string, extra: Partial<StreamPruneOptions>, hint = true) {
  const ckpt = openCheckpoint(file);
  const prunable = ckpt.tensors.filter((t) => t.shape.length === 2);
  const layerOf = new Map(prunable.map((t, j) => [t.name, j]));
  const events: Event[] = [];
  const traced: Checkpoint = {
    ...ckpt,
    read: (t, into) => {
      events.push({ kind: 'read', layer: layerOf.get(t.name) as number });
      return ckpt.read(t, into);
    },
    willNeed: (t) => {
      events.push({ kind: 'hint', layer: layerOf.get(t.name) as number });
      if (hint) ckpt.willNeed(t);
    },
  };
  const out = new Map<string, Buffer>();
  const options: StreamPruneOptions = {
    sparsity: 0.9,
    pattern: parsePattern('4x1'),
    criterion: 'magnitude',
    scope: 'global',
    reduce: 'mean',
    tieMode: 'exact',
    maxPerLayer: 0.98,
    minPerLayer: 0,
    scoreBudgetBytes: 0,
    ...extra,
  };
  const sink = { tensor: (t: CheckpointTensor, b: Uint8Array) => void out.set(t.name, Buffer.from(b)), mask: () => {} };
  try {
    await streamPrune(traced, prunable, undefined, options, sink, startBytesProgress(undefined, ckpt.dataBytes));
  } finally {
    ckpt.close();
  }
  return { events, out, prunable };
}

/** The trace cut into passes: a pass ends at a read whose layer the next read does not come after. */
function passes(events: readonly Event[]): Event[][] {
  const reads = events.flatMap((e, i) => (e.kind === 'read' ? [i] : []));
  const cuts = reads.filter((i, r) => r + 1 < reads.length && events[reads[r + 1]].layer <= events[i].layer);
  const out: Event[][] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(events.slice(from, cut + 1));
    from = cut + 1;
  }
  out.push(events.slice(from));
  return out;
}

describe('global scope by histogram rounds: each synchronous ranking read is hinted ahead, in model order', () => {
  test.each([
    ['BF16 (block scores off the 16 bits)', 'BF16', {}],
    ['F32 (the general path)', 'F32', {}],
    ['BF16 with a per-layer cap that freezes layers (reads of the frozen ones)', 'BF16', { maxPerLayer: 0.6 }],
    ['F32, threshold tie mode', 'F32', { tieMode: 'threshold' as const }],
  ])('%s', async (_, dtype, extra) => {
    const file = tmp.file('model.safetensors');
    writeSafetensors(file, model(dtype as 'F32' | 'BF16'));
    const { events, out, prunable } = await tracedPrune(file, extra);
    expect(events.filter((e) => e.kind === 'read').length).toBeGreaterThanOrEqual(prunable.length);
    for (const pass of passes(events)) {
      const hints = pass.filter((e) => e.kind === 'hint').map((e) => e.layer);
      // Model order, each layer once a pass.
      expect(hints).toEqual([...hints].sort((a, b) => a - b));
      expect(new Set(hints).size).toBe(hints.length);
      // Every layer read was hinted earlier in its pass (the kernel was reading it while the one before was scored).
      pass.forEach((e, i) => {
        if (e.kind === 'read')
          expect(pass.slice(0, i).some((h) => h.kind === 'hint' && h.layer === e.layer)).toBe(true);
      });
    }
    // The hints change no byte: the same run without them writes the same tensors.
    const again = await tracedPrune(file, extra, false);
    expect([...again.out.keys()]).toEqual([...out.keys()]);
    for (const [name, bytes] of out) expect(again.out.get(name)?.equals(bytes)).toBe(true);
  });
});

describe('hintAhead: the window of layers hinted before a read', () => {
  const MiB = 2 ** 20;
  const layers = (sizes: number[]) =>
    sizes.map((byteLength, i) => ({ name: `l${i}`, byteLength }) as unknown as CheckpointTensor);
  const run = (ls: CheckpointTensor[], reads: number[]) => {
    const hinted: string[][] = [];
    let last = -1;
    for (const j of reads) {
      const now: string[] = [];
      last = hintAhead({ willNeed: (t) => void now.push(t.name) }, ls, j, last);
      hinted.push(now);
    }
    return hinted;
  };

  test('the layer read and the layers after it up to RANKING_AHEAD_BYTES, each once', () => {
    const small = RANKING_AHEAD_BYTES / 4; // four fit in the window
    expect(run(layers(Array(7).fill(small)), [0, 1, 2, 3, 4, 5, 6])).toEqual([
      ['l0', 'l1', 'l2', 'l3', 'l4'],
      ['l5'],
      ['l6'],
      [],
      [],
      [],
      [],
    ]);
  });

  test('at least the next layer, however large', () => {
    expect(run(layers([100 * MiB, 100 * MiB, 100 * MiB]), [0, 1, 2])).toEqual([['l0', 'l1'], ['l2'], []]);
  });

  test('layers skipped by the search are passed over, the window moves with the read', () => {
    const ls = layers(Array(6).fill(RANKING_AHEAD_BYTES / 2));
    expect(run(ls, [0, 3, 5])).toEqual([['l0', 'l1', 'l2'], ['l3', 'l4', 'l5'], []]);
  });
});

describe('willNeed: a hint to the kernel, never an error', () => {
  test('taken on an open regular file, for a range of several pieces; refused on a closed descriptor', () => {
    const file = tmp.file('data.bin');
    fs.writeFileSync(file, Buffer.alloc(3 * HINT_BYTES + 5, 7));
    const fd = fs.openSync(file, 'r');
    fs.closeSync(fd);
    expect(willNeed(fd, 0, 3 * HINT_BYTES + 5)).toBe(false); // closed: EBADF, no throw
    const open = fs.openSync(file, 'r');
    try {
      expect(willNeed(open, 0, 3 * HINT_BYTES + 5)).toBe(process.platform === 'linux');
      expect(willNeed(open, HINT_BYTES, 0)).toBe(true); // nothing to hint: nothing refused
    } finally {
      fs.closeSync(open);
    }
  });

  test('a closed reader ignores the hint; reads after a hint return the same bytes', () => {
    const file = tmp.file('m.safetensors');
    writeSafetensors(file, model('BF16'));
    const reader = SafetensorsReader.open(file);
    const t = [...reader.tensors.values()][2];
    const before = Buffer.from(reader.read(t));
    reader.willNeed(t);
    expect(Buffer.from(reader.read(t)).equals(before)).toBe(true);
    reader.close();
    expect(() => reader.willNeed(t)).not.toThrow();
  });
});
