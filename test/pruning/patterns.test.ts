import { ArgumentError, ShapeError } from '../../lib/errors';
import {
  ACCEPTED_PATTERN_FORMS,
  expandBlockMask,
  fromViewOrder,
  layerSkipReason,
  parsePattern,
  parseReduceType,
  reduceBlocks,
  resolveBlockSize,
  shapeSize,
  toViewOrder,
  viewIndexMap,
  viewOf,
} from '../../lib/pruning/patterns';

describe('parsePattern', () => {
  it.each([
    ['1x1', 1, 1],
    ['4x1', 4, 1],
    ['1x4', 1, 4],
    ['2x2', 2, 2],
    ['16x32', 16, 32],
    ['channelx1', 'channel', 1],
    ['1xchannel', 1, 'channel'],
    ['channelx4', 'channel', 4],
  ] as const)('%s is a block pattern', (name, rows, cols) => {
    expect(parsePattern(name)).toEqual({ kind: 'block', name, blockRows: rows, blockCols: cols });
  });

  it.each([
    ['2:4', 2, 4],
    ['1:4', 1, 4],
    ['3:4', 3, 4],
    ['4:8', 4, 8],
    ['1:2', 1, 2],
  ] as const)('%s is an N:M pattern', (name, n, m) => {
    expect(parsePattern(name)).toEqual({ kind: 'n:m', name, n, m });
  });

  it('accepts the reference prefix form (text after the last "_")', () => {
    expect(parsePattern('tile_pattern_4x1')).toEqual({
      kind: 'block',
      name: 'tile_pattern_4x1',
      blockRows: 4,
      blockCols: 1,
    });
    expect(parsePattern('pt_2:4')).toMatchObject({ kind: 'n:m', n: 2, m: 4 });
  });

  it.each([
    '',
    '4',
    '4x',
    'x4',
    '0x1',
    '4x0',
    '1.5x1',
    '-1x1',
    '4X1',
    '4*1',
    '4:4',
    '5:4',
    '0:4',
    '2:0',
    '2:4:8',
    '4x1x1',
    'channelxchannel',
    ' 4x1',
    '4x1 ',
    'channel',
    'ax1',
    '1e1x1',
    'tile_',
  ])('%p is rejected with the name and the accepted forms', (name) => {
    let err: unknown;
    try {
      parsePattern(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`"${name}"`);
    for (const form of ACCEPTED_PATTERN_FORMS) expect(msg).toContain(form);
  });

  it('rejects non-strings', () => {
    expect(() => parsePattern(null as unknown as string)).toThrow(/unknown pruning pattern null.*expected a string/);
    expect(() => parsePattern(4 as unknown as string)).toThrow(/expected a string, got number/);
  });
});

describe('parseReduceType', () => {
  it('accepts mean, sum, max and lists them otherwise', () => {
    expect(parseReduceType('mean')).toBe('mean');
    expect(parseReduceType('sum')).toBe('sum');
    expect(parseReduceType('max')).toBe('max');
    expect(() => parseReduceType('min')).toThrow(
      'unknown criterion_reduce_type "min": accepted names are "mean", "sum", "max"',
    );
  });
});

describe('2-D view', () => {
  it('2-D weights are their own view; 4-D convs become [cout, kh*kw*cin]', () => {
    expect(viewOf([8, 16])).toEqual({ ok: true, view: { rows: 8, cols: 16, permuted: false, layout: 'oi' } });
    expect(viewOf([8, 3, 5, 7])).toEqual({ ok: true, view: { rows: 8, cols: 105, permuted: true, layout: 'oihw' } });
    expect(viewOf([16, 8], 'io')).toEqual({ ok: true, view: { rows: 8, cols: 16, permuted: true, layout: 'io' } });
    expect(viewOf([5, 7, 3, 8], 'hwio')).toEqual({
      ok: true,
      view: { rows: 8, cols: 105, permuted: true, layout: 'hwio' },
    });
  });

  it('other ranks and empty weights are not prunable, with a reason', () => {
    expect(viewOf([16])).toEqual({ ok: false, reason: expect.stringMatching(/shape \[16\] has rank 1: only 2-D/) });
    expect(viewOf([2, 3, 4])).toEqual({ ok: false, reason: expect.stringMatching(/rank 3/) });
    expect(viewOf([])).toEqual({ ok: false, reason: expect.stringMatching(/rank 0/) });
    expect(viewOf([1, 2, 3, 4, 5])).toEqual({ ok: false, reason: expect.stringMatching(/rank 5/) });
    expect(viewOf([0, 4])).toEqual({ ok: false, reason: 'shape [0, 4] has no element' });
  });

  it('malformed shapes throw a ShapeError', () => {
    expect(() => viewOf([2, -1])).toThrow(ShapeError);
    expect(() => viewOf([2, 1.5])).toThrow(/must hold non-negative integers/);
    expect(() => viewOf([2, NaN])).toThrow(ShapeError);
    expect(() => shapeSize([2 ** 30, 2 ** 30])).toThrow(/too many elements/);
    expect(shapeSize([2, 3, 4])).toBe(24);
  });

  it('viewIndexMap is the identity for 2-D', () => {
    expect(Array.from(viewIndexMap([2, 3]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('viewIndexMap follows permute(0, 2, 3, 1) for a conv', () => {
    // [cout=1, cin=2, kh=2, kw=2]: buffer index (c*2 + h)*2 + w; view column (h*2 + w)*2 + c.
    expect(Array.from(viewIndexMap([1, 2, 2, 2]))).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
  });

  it('toViewOrder / fromViewOrder round-trip and match an explicit permutation', () => {
    const [cout, cin, kh, kw] = [3, 4, 2, 3];
    const shape = [cout, cin, kh, kw];
    const src = Float32Array.from({ length: cout * cin * kh * kw }, (_, i) => i);
    const view = toViewOrder(src, shape);
    for (let o = 0; o < cout; o++) {
      for (let c = 0; c < cin; c++) {
        for (let h = 0; h < kh; h++) {
          for (let w = 0; w < kw; w++) {
            const orig = ((o * cin + c) * kh + h) * kw + w;
            const v = o * (kh * kw * cin) + (h * kw + w) * cin + c;
            expect(view[v]).toBe(src[orig]);
          }
        }
      }
    }
    expect(view).toBeInstanceOf(Float32Array);
    expect(Array.from(fromViewOrder(view, shape))).toEqual(Array.from(src));
    const mask = Uint8Array.from(src, (x) => x % 2);
    const back = fromViewOrder(toViewOrder(mask, shape), shape);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Array.from(back)).toEqual(Array.from(mask));
  });

  it('view helpers check the length and the shape', () => {
    expect(() => toViewOrder(new Float32Array(5), [2, 3])).toThrow(
      /buffer length 5 does not match shape \[2, 3\] \(6 elements\)/,
    );
    expect(() => viewIndexMap([6])).toThrow(/rank 1/);
  });
});

describe('layerSkipReason and resolveBlockSize', () => {
  it('null when the block divides the view', () => {
    expect(layerSkipReason('4x1', [8, 3])).toBeNull();
    expect(layerSkipReason('1x4', [3, 8])).toBeNull();
    expect(layerSkipReason('2:4', [3, 8])).toBeNull();
    expect(layerSkipReason('channelx1', [7, 5])).toBeNull();
    expect(layerSkipReason('1xchannel', [7, 5])).toBeNull();
    expect(layerSkipReason('1x4', [2, 1, 2, 2])).toBeNull(); // view [2, 4]
  });

  it('the reason names the layer, the shape, the pattern and the failing axis', () => {
    expect(layerSkipReason('4x1', [6, 3], 'fc1')).toBe(
      'fc1: 2-D view [6, 3] of shape [6, 3] cannot be divided by pattern "4x1": 6 rows are not a multiple of 4',
    );
    expect(layerSkipReason('4x4', [6, 6])).toMatch(/6 rows are not a multiple of 4, 6 columns are not a multiple of 4/);
    expect(layerSkipReason('2:4', [4, 6])).toMatch(/pattern "2:4": 6 input columns are not a multiple of 4/);
    expect(layerSkipReason('1x4', [2, 3, 1, 1])).toMatch(/2-D view \[2, 3\] of shape \[2, 3, 1, 1\]/);
    expect(layerSkipReason('4x1', [8], 'bias')).toMatch(/^bias: shape \[8\] has rank 1/);
  });

  it('N:M only checks the input axis (as the reference)', () => {
    expect(layerSkipReason('2:4', [3, 4])).toBeNull();
  });

  it('unknown patterns throw', () => {
    expect(() => layerSkipReason('4y1', [4, 4])).toThrow(/4y1/);
  });

  it('resolveBlockSize resolves channel to the whole axis', () => {
    expect(resolveBlockSize('4x1', 8, 6)).toEqual([4, 1]);
    expect(resolveBlockSize('channelx1', 8, 6)).toEqual([8, 1]);
    expect(resolveBlockSize('1xchannel', 8, 6)).toEqual([1, 6]);
    expect(() => resolveBlockSize('2:4', 8, 8)).toThrow(/N:M pattern/);
  });
});

describe('reduceBlocks', () => {
  // 4 x 4, row-major
  const s = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

  it('1x1 is the identity for every reduction', () => {
    for (const r of ['mean', 'sum', 'max'] as const)
      expect(Array.from(reduceBlocks(s, 4, 4, '1x1', r))).toEqual(Array.from(s));
  });

  it('2x2 blocks, row-major over blocks', () => {
    expect(Array.from(reduceBlocks(s, 4, 4, '2x2', 'sum'))).toEqual([14, 22, 46, 54]);
    expect(Array.from(reduceBlocks(s, 4, 4, '2x2', 'mean'))).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(Array.from(reduceBlocks(s, 4, 4, '2x2', 'max'))).toEqual([6, 8, 14, 16]);
  });

  it('4x1, 1x4, channelx1, 1xchannel', () => {
    expect(Array.from(reduceBlocks(s, 4, 4, '4x1', 'sum'))).toEqual([28, 32, 36, 40]);
    expect(Array.from(reduceBlocks(s, 4, 4, '1x4', 'sum'))).toEqual([10, 26, 42, 58]);
    expect(Array.from(reduceBlocks(s, 4, 4, 'channelx1', 'max'))).toEqual([13, 14, 15, 16]);
    expect(Array.from(reduceBlocks(s, 4, 4, '1xchannel', 'mean'))).toEqual([2.5, 6.5, 10.5, 14.5]);
    expect(Array.from(reduceBlocks(s, 4, 4, parsePattern('2x4'), 'sum'))).toEqual([36, 100]);
  });

  it('sums left to right in float32 (what PyTorch does for up to 4 values)', () => {
    const tiny = 2 ** -24;
    // float32: 1 + tiny = 1 (ties to even), three times; a float64 sum would round to 1 + 2^-22
    expect(reduceBlocks(Float32Array.from([1, tiny, tiny, tiny]), 1, 4, '1x4', 'sum')[0]).toBe(1);
    expect(reduceBlocks(Float32Array.from([tiny, tiny, tiny, 1]), 1, 4, '1x4', 'sum')[0]).toBe(
      Math.fround(1 + 3 * tiny),
    );
    // and rounds to float32 on overflow
    const big = 3e38;
    expect(reduceBlocks(Float32Array.from([big, big]), 1, 2, '1x2', 'sum')[0]).toBe(Infinity);
  });

  it('mean is two-stage: mean over the input axis, then over the rows, each rounded', () => {
    // 3x3 block: stage-1 means are rounded before stage 2; the result is the float32 of (1/3 + 1/3 + 1/3)/3 etc.
    const x = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const f = Math.fround;
    const third = f(1 / 3);
    const expected = f(f(f(third + third) + third) / 3);
    expect(reduceBlocks(x, 3, 3, '3x3', 'mean')[0]).toBe(expected);
  });

  it('NaN propagates through mean, sum and max', () => {
    const x = Float32Array.from([0, NaN, 5, 1]);
    for (const r of ['mean', 'sum', 'max'] as const) {
      const b = reduceBlocks(x, 2, 2, '2x2', r);
      expect(Number.isNaN(b[0])).toBe(true);
    }
    expect(Number.isNaN(reduceBlocks(Float32Array.from([NaN, 1, 2, 3]), 2, 2, '1x2', 'max')[0])).toBe(true);
    expect(reduceBlocks(Float32Array.from([NaN, 1, 2, 3]), 2, 2, '1x2', 'max')[1]).toBe(3);
  });

  it('rejects bad input', () => {
    expect(() => reduceBlocks(s, 4, 4, '3x1', 'sum')).toThrow(/does not divide/);
    expect(() => reduceBlocks(s, 4, 3, '1x1', 'sum')).toThrow(/length 16 does not match 4 x 3/);
    expect(() => reduceBlocks(s, 4, 4, '2:4', 'sum')).toThrow(/N:M/);
    expect(() => reduceBlocks(s, 4, 4, '1x1', 'median' as 'sum')).toThrow(/criterion_reduce_type/);
    expect(() => reduceBlocks([1, 2] as unknown as Float32Array, 1, 2, '1x1', 'sum')).toThrow(ArgumentError);
  });
});

describe('expandBlockMask', () => {
  it('repeats each block flag over its elements', () => {
    expect(Array.from(expandBlockMask(Uint8Array.from([1, 0, 0, 1]), 4, 4, 2, 2))).toEqual([
      1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1,
    ]);
    expect(() => expandBlockMask(new Uint8Array(3), 4, 4, 2, 2)).toThrow(/does not match/);
  });
});
