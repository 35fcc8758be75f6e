// The raw mask binding: each function against a plain TypeScript definition (patterns.ts reduceBlocks and
// expandBlockMask, scoreKey, naive counting) on every instruction set, including calls large enough to be
// split across the thread pool; and the argument checks (TypeError / RangeError naming the argument, thrown
// before any memory is written).
import { binding } from '../../lib/native';
import { expandBlockMask, reduceBlocks, type ReduceType } from '../../lib/pruning/patterns';
import { scoreKey } from '../support/score-key';
import { setSimd, simdInfo, type SimdLevel } from '../../lib/simd';
import { rng } from '../support/random';

const info = simdInfo();
afterAll(() => setSimd(info.active));

function onEveryIsa(fn: (isa: SimdLevel) => void): void {
  try {
    for (const isa of info.supported) {
      setSimd(isa);
      fn(isa);
    }
  } finally {
    setSimd(info.active);
  }
}

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1.401298464324817e-45,
  -1.401298464324817e-45,
  1,
  -1,
];

function mixed(n: number, next: () => number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    s[i] =
      u < 0.1
        ? SPECIAL[Math.floor(next() * SPECIAL.length)]
        : u < 0.3
          ? Math.floor(next() * 3)
          : (next() - 0.3) * 2 ** Math.floor(next() * 60 - 30);
  }
  return s;
}

/** Bits of a float32 array with every NaN made one pattern (payloads are not part of the contract). */
function canonicalBits(a: Float32Array): number[] {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  return Array.from(a, (x, i) => (Number.isNaN(x) ? 0x7fc00000 : bits[i]));
}

describe('maskReduceBlocks is patterns.ts reduceBlocks bit for bit', () => {
  const reduces: ReduceType[] = ['mean', 'sum', 'max'];
  it('random shapes and blocks, special values, every instruction set', () => {
    const next = rng(11);
    const blocks = [
      [1, 1],
      [2, 1],
      [4, 1],
      [1, 4],
      [2, 2],
      [3, 5],
      [1, 16],
      [8, 1],
      [1, 2],
      [16, 2],
    ];
    let checked = 0;
    for (let trial = 0; trial < 150; trial++) {
      const [bn, bm] = blocks[trial % blocks.length];
      const rows = bn * (1 + Math.floor(next() * 6));
      const cols = bm * Math.floor(next() * 40);
      const scores = mixed(rows * cols, next);
      for (const reduce of reduces) {
        const want = canonicalBits(reduceBlocks(scores, rows, cols, `${bn}x${bm}`, reduce));
        onEveryIsa((isa) => {
          const out = new Float32Array((rows / bn) * (cols / bm));
          binding.maskReduceBlocks(scores, rows, cols, bn, bm, reduce, out);
          expect({ isa, rows, cols, bn, bm, reduce, out: canonicalBits(out) }).toEqual({
            isa,
            rows,
            cols,
            bn,
            bm,
            reduce,
            out: want,
          });
          checked++;
        });
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('a matrix large enough to be split across threads; whole-axis blocks', () => {
    const next = rng(5);
    const rows = 1024;
    const cols = 1280;
    const scores = mixed(rows * cols, next);
    for (const [bn, bm] of [
      [4, 1],
      [1, 4],
      [rows, 1],
      [1, cols],
    ]) {
      const want = canonicalBits(reduceBlocks(scores, rows, cols, `${bn}x${bm}`, 'mean'));
      onEveryIsa((isa) => {
        const out = new Float32Array((rows / bn) * (cols / bm));
        binding.maskReduceBlocks(scores, rows, cols, bn, bm, 'mean', out);
        expect({ isa, bn, bm, same: canonicalBits(out).every((b, i) => b === want[i]) }).toEqual({
          isa,
          bn,
          bm,
          same: true,
        });
      });
    }
  });
});

describe('keys, histogram, emission', () => {
  const next = rng(21);
  const scores = mixed(3001, next);
  const keys = Array.from(scores, scoreKey);

  it('selectKeys is scoreKey, whose order is the float order (-0 = +0, NaN last)', () => {
    onEveryIsa((isa) => {
      const out = new Uint32Array(scores.length);
      binding.selectKeys(scores, out);
      expect({ isa, keys: Array.from(out) }).toEqual({ isa, keys });
    });
    const ordered = [
      -Infinity,
      -3.4e38,
      -1,
      -1.401298464324817e-45,
      0,
      1.401298464324817e-45,
      1,
      3.4e38,
      Infinity,
      NaN,
    ].map(scoreKey);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]).toBeGreaterThan(ordered[i - 1]);
    expect(scoreKey(-0)).toBe(scoreKey(0));
    expect(scoreKey(-NaN)).toBe(0xffffffff);
  });

  it('selectHistogram adds the naive counts of the keys under a prefix', () => {
    const pivot = keys[17];
    for (const [prefixBits, digitBits] of [
      [0, 11],
      [11, 11],
      [22, 10],
      [0, 3],
      [7, 11],
      [31, 1],
    ]) {
      const prefix = prefixBits === 0 ? 0 : Math.floor(pivot / 2 ** (32 - prefixBits));
      const want = new Array(2 ** digitBits).fill(1);
      let wantCount = 0;
      for (const key of keys) {
        if (prefixBits !== 0 && Math.floor(key / 2 ** (32 - prefixBits)) !== prefix) continue;
        want[Math.floor((key % 2 ** (32 - prefixBits)) / 2 ** (32 - prefixBits - digitBits))]++;
        wantCount++;
      }
      onEveryIsa((isa) => {
        const hist = new Uint32Array(2 ** digitBits).fill(1);
        const counted = binding.selectHistogram(scores, prefix, prefixBits, digitBits, hist);
        expect({ isa, prefixBits, counted, hist: Array.from(hist) }).toEqual({
          isa,
          prefixBits,
          counted: wantCount,
          hist: want,
        });
      });
    }
  });

  it('selectGather copies the scores whose key starts with a prefix, in order and bit for bit', () => {
    const bits = new Uint32Array(scores.buffer, scores.byteOffset, scores.length);
    for (const [key, prefixBits] of [
      [keys[17], 11],
      [keys[17], 22],
      [keys[17], 32],
      [scoreKey(0), 11],
      [0xffffffff, 11],
      [keys[5], 1],
    ]) {
      const prefix = Math.floor(key / 2 ** (32 - prefixBits));
      const want = keys.flatMap((k, i) => (Math.floor(k / 2 ** (32 - prefixBits)) === prefix ? [bits[i]] : []));
      const out = new Float32Array(scores.length + 1).fill(7);
      expect(binding.selectGather(scores, prefix, prefixBits, out)).toBe(want.length);
      expect(Array.from(new Uint32Array(out.buffer, 0, want.length))).toEqual(want);
      expect(out[want.length]).toBe(7);
      // Room for fewer: as many copied, the count still whole.
      const short = new Float32Array(Math.max(0, want.length - 1));
      expect(binding.selectGather(scores, prefix, prefixBits, short)).toBe(want.length);
      expect(Array.from(new Uint32Array(short.buffer))).toEqual(want.slice(0, short.length));
    }
  });

  it('selectEmit prunes below the key and the first quota ties; selectCount counts the ties', () => {
    for (const key of [keys[3], keys[100], scoreKey(0), scoreKey(1), 0xffffffff, 0]) {
      const ties = keys.filter((k) => k === key).length;
      for (const quota of [0, 1, Math.floor(ties / 2), ties, Infinity]) {
        let seen = 0;
        const want = keys.map((k) => (k < key || (k === key && seen++ < quota) ? 0 : 1));
        onEveryIsa((isa) => {
          const keep = new Uint8Array(scores.length).fill(9);
          expect(binding.selectEmit(scores, key, quota, keep)).toBe(ties);
          expect(binding.selectCount(scores, key)).toBe(ties);
          expect({ isa, key, quota, keep: Array.from(keep) }).toEqual({ isa, key, quota, keep: want });
        });
      }
    }
  });

  it('maskExpandBlocks is patterns.ts expandBlockMask', () => {
    for (const [rows, cols, bn, bm] of [
      [8, 6, 2, 1],
      [4, 12, 1, 4],
      [6, 4, 3, 2],
      [3, 4, 1, 1],
    ]) {
      const blockKeep = Uint8Array.from({ length: (rows / bn) * (cols / bm) }, (_, i) => (i % 3 === 0 ? 0 : 1));
      const keep = new Uint8Array(rows * cols);
      binding.maskExpandBlocks(blockKeep, rows, cols, bn, bm, keep);
      expect(Array.from(keep)).toEqual(Array.from(expandBlockMask(blockKeep, rows, cols, bn, bm)));
    }
  });
});

describe('argument checks (the raw binding never crashes and never half-writes)', () => {
  const s = new Float32Array(8);
  const keep = () => new Uint8Array(8).fill(7);

  it('maskReduceBlocks', () => {
    const out = new Float32Array(4);
    expect(() => binding.maskReduceBlocks([1] as never, 2, 4, 1, 2, 'mean', out)).toThrow(
      new TypeError('scores must be a Float32Array, got an array'),
    );
    expect(() => binding.maskReduceBlocks(s, 3, 4, 1, 2, 'mean', out)).toThrow(
      new RangeError('scores has 8 elements, expected rows x cols = 3 x 4'),
    );
    expect(() => binding.maskReduceBlocks(s, 2, 4, 3, 2, 'mean', out)).toThrow(
      new RangeError('block 3x2 does not divide the 2 x 4 matrix'),
    );
    expect(() => binding.maskReduceBlocks(s, 2, 4, 0, 2, 'mean', out)).toThrow(
      new RangeError('blockRows and blockCols must be at least 1'),
    );
    expect(() => binding.maskReduceBlocks(s, 2, 4, 1, 2, 'median' as never, out)).toThrow(
      new TypeError('reduce must be "mean", "sum" or "max"'),
    );
    expect(() => binding.maskReduceBlocks(s, 2, 4, 1, 2, 'mean', new Float32Array(3))).toThrow(
      new RangeError('out has 3 elements, expected 4 (one per block)'),
    );
    expect(() => binding.maskReduceBlocks(s, 2.5, 4, 1, 2, 'mean', out)).toThrow(/rows must be an integer/);
    // rows x cols overflows 64 bits: still a plain length mismatch, no wrap-around
    expect(() => binding.maskReduceBlocks(s, 2 ** 40, 2 ** 40, 1, 1, 'mean', out)).toThrow(
      /scores has 8 elements, expected rows x cols/,
    );
    expect(() => binding.maskReduceBlocks(s, 2, '4' as never, 1, 2, 'mean', out)).toThrow(
      new TypeError('cols must be a number, got a string'),
    );
  });

  it('selectHistogram, selectKeys, selectCount', () => {
    const hist = new Uint32Array(2048);
    expect(() => binding.selectHistogram(s, 0, 0, 12, new Uint32Array(4096))).toThrow(
      /digitBits must be an integer from 1 to 11/,
    );
    expect(() => binding.selectHistogram(s, 0, 22, 11, hist)).toThrow(/prefixBits must be an integer from 0 to 21/);
    expect(() => binding.selectHistogram(s, 4, 2, 11, hist)).toThrow(
      new RangeError('prefix must be below 2^prefixBits'),
    );
    expect(() => binding.selectHistogram(s, -1, 2, 11, hist)).toThrow(/prefix must be an integer/);
    expect(() => binding.selectHistogram(s, 0, 0, 11, new Uint32Array(1024))).toThrow(
      new RangeError('hist has 1024 elements, expected 2048 (2^digitBits bins)'),
    );
    expect(() => binding.selectHistogram(s, 0, 0, 11, new Int32Array(2048) as never)).toThrow(
      new TypeError('hist must be a Uint32Array, got an Int32Array'),
    );
    expect(() => binding.selectGather(s, 0, 0, new Float32Array(4))).toThrow(
      /prefixBits must be an integer from 1 to 32/,
    );
    expect(() => binding.selectGather(s, 2, 1, new Float32Array(4))).toThrow(/prefix must be below 2\^prefixBits/);
    expect(() => binding.selectGather(s, 0, 1, s)).toThrow(/overlap/);
    expect(() => binding.selectKeys(s, new Uint32Array(7))).toThrow(
      new RangeError('keys has 7 elements, expected 8 (one per score)'),
    );
    expect(() => binding.selectCount(s, 2 ** 32)).toThrow(/key must be an integer from 0 to 4294967295/);
    expect(Array.from(hist).every((x) => x === 0)).toBe(true);
  });

  it('selectEmit, maskNM, maskExpandBlocks, maskApply', () => {
    const k = keep();
    expect(() => binding.selectEmit(s, 0, -1, k)).toThrow(/quota must be an integer/);
    expect(() => binding.selectEmit(s, 0, NaN, k)).toThrow(/quota must be an integer/);
    expect(() => binding.selectEmit(s, 0, 1, new Uint8Array(9))).toThrow(
      new RangeError('keep has 9 elements, expected 8 (one per score)'),
    );
    expect(() => binding.selectEmit(s, 0, 1, new Int8Array(8) as never)).toThrow(
      new TypeError('keep must be a Uint8Array, got an Int8Array'),
    );
    expect(() => binding.maskNM(s, 2, 3, 'exact', k)).toThrow(
      new RangeError('scores has 8 elements, not a multiple of m = 3'),
    );
    expect(() => binding.maskNM(s, 4, 4, 'exact', k)).toThrow(/n must be an integer from 1 to 3/);
    expect(() => binding.maskNM(s, 1, 1, 'exact', k)).toThrow(/m must be an integer from 2/);
    expect(() => binding.maskNM(s, 2, 4, 'loose' as never, k)).toThrow(
      new TypeError('mode must be "exact" or "threshold"'),
    );
    expect(() => binding.maskExpandBlocks(new Uint8Array(3), 2, 4, 1, 2, k)).toThrow(
      new RangeError('blockKeep has 3 elements, expected 4 (one per block)'),
    );
    // An empty matrix cannot carry a huge dimension for the kernel to walk.
    const empty = new Uint8Array(0);
    // (jest's own timeout catches a kernel that walks the rows)
    binding.maskExpandBlocks(empty, 2 ** 53 - 1, 0, 1, 1, empty);
    binding.maskExpandBlocks(empty, 0, 2 ** 53 - 1, 1, 1, empty);
    binding.maskReduceBlocks(new Float32Array(0), 2 ** 53 - 1, 0, 1, 1, 'mean', new Float32Array(0));
    binding.maskReduceBlocks(new Float32Array(0), 0, 2 ** 53 - 1, 1, 1, 'max', new Float32Array(0));
    expect(() => binding.maskApply(s, new Uint8Array(7))).toThrow(
      new RangeError('keep has 7 elements, expected 8 (one per weight)'),
    );
    expect(() => binding.maskApply(s, new Uint8Array(8), new Float32Array(9))).toThrow(
      new RangeError('grad has 9 elements, expected 8 (one per weight)'),
    );
    expect(() => binding.maskApply(s, new Uint8Array(8), [] as never)).toThrow(
      new TypeError('grad must be a Float32Array, got an array'),
    );
    expect(Array.from(k)).toEqual(Array(8).fill(7));
  });

  it('a detached buffer is named', () => {
    const detached = new Float32Array(4);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => binding.selectCount(detached, 0)).toThrow(new TypeError('scores is backed by a detached ArrayBuffer'));
  });
});
