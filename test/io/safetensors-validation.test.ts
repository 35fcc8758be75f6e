import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSafetensors, readSafetensors, SafetensorsError } from '../../lib/io/safetensors';
import { craft, f32Bytes, tempDir } from './helpers';

/** Parses `bytes` and returns the SafetensorsError it must throw. */
function errorOf(bytes: Uint8Array, source = 'bad.safetensors'): SafetensorsError {
  try {
    parseSafetensors(bytes, source);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(e).toBeInstanceOf(Error);
    return e as SafetensorsError;
  }
  throw new Error('expected parseSafetensors to throw, but it returned');
}

const ok = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});

describe('sanity: the crafted baseline is valid', () => {
  test('a hand-made file with two tensors parses', () => {
    const f = parseSafetensors(craft({ a: ok('F32', [2], 0, 8), b: ok('U8', [3], 8, 11) }, new Uint8Array(11)));
    expect([...f.tensors.keys()]).toEqual(['a', 'b']);
  });

  test('header padded with trailing spaces is accepted', () => {
    const f = parseSafetensors(craft({ a: ok('U8', [1], 0, 1) }, [42], { pad: 13 }));
    expect(Array.from(f.tensors.get('a')!.data)).toEqual([42]);
  });

  test('empty header object with empty data is accepted', () => {
    const f = parseSafetensors(craft({}, []));
    expect(f.tensors.size).toBe(0);
    expect(f.metadata).toEqual({});
  });
});

describe('file and header framing', () => {
  test.each([0, 1, 7])('file shorter than 8 bytes (%i bytes)', (n) => {
    const e = errorOf(new Uint8Array(n));
    expect(e.message).toBe(
      `bad.safetensors: file is too short (${n} bytes); it must start with an 8-byte header length`,
    );
    expect(e.source).toBe('bad.safetensors');
    expect(e.tensor).toBeUndefined();
  });

  test('header length larger than the file', () => {
    const bytes = craft({ a: ok('U8', [1], 0, 1) }, [1], { headerLength: 1000n });
    expect(errorOf(bytes).message).toMatch(
      /^bad\.safetensors: header length 1000 bytes is larger than the file allows \(\d+ bytes after the 8-byte length prefix\); the file is truncated or corrupt$/,
    );
  });

  test('header length larger than the file by one byte (nothing left for data)', () => {
    const text = '{}';
    const bytes = craft(text, [], { headerLength: 3n });
    expect(errorOf(bytes).message).toContain('header length 3 bytes is larger than the file allows (2 bytes');
  });

  test.each([100_000_001n, 1n << 40n, (1n << 64n) - 1n])('absurd header length %p', (len) => {
    const e = errorOf(craft('{}', [], { headerLength: len }));
    expect(e.message).toBe(
      `bad.safetensors: header length ${len} bytes is absurd (limit 100000000 bytes); the file is corrupt or not safetensors`,
    );
  });

  test('header that is not valid UTF-8', () => {
    const raw = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}
    expect(errorOf(craft('', [], { rawHeader: raw })).message).toBe('bad.safetensors: header is not valid UTF-8');
  });

  test.each([
    ['truncated object', '{"a": {"dtype": "F32"', 'unexpected end of input'],
    ['trailing garbage', '{} x', 'unexpected trailing characters at position 3'],
    ['trailing NUL padding', '{}\u0000\u0000', 'unexpected trailing characters'],
    ['single quotes', "{'a': 1}", 'expected a string key in object'],
    ['trailing comma', '{"a": 1,}', 'expected a string key in object'],
    ['NaN literal', '{"a": NaN}', 'unexpected character "N"'],
    ['empty header', '', 'unexpected end of input'],
  ])('header that is not valid JSON: %s', (_what, text, detail) => {
    const msg = errorOf(craft(text, [])).message;
    expect(msg).toMatch(/^bad\.safetensors: header is not valid JSON: /);
    expect(msg).toContain(detail);
  });

  test('duplicate tensor name in the header', () => {
    const text =
      '{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}';
    expect(errorOf(craft(text, [1])).message).toMatch(
      /^bad\.safetensors: header is not valid JSON: duplicate key "a" at position \d+$/,
    );
  });

  test('duplicate field inside a tensor entry', () => {
    const text = '{"a": {"dtype": "U8", "dtype": "F32", "shape": [1], "data_offsets": [0, 1]}}';
    expect(errorOf(craft(text, [1])).message).toContain('duplicate key "dtype"');
  });

  test.each([
    ['[1, 2]', 'an array'],
    ['"text"', 'the string "text"'],
    ['42', 'the number 42'],
    ['null', 'null'],
    ['true', 'the boolean true'],
  ])('header that is not an object: %s', (text, kind) => {
    expect(errorOf(craft(text, [])).message).toBe(`bad.safetensors: header must be a JSON object, got ${kind}`);
  });
});

describe('__metadata__', () => {
  test('must be an object', () => {
    expect(errorOf(craft({ __metadata__: ['x'] }, [])).message).toBe(
      'bad.safetensors: "__metadata__" must be an object of strings, got an array',
    );
  });

  test('values must be strings', () => {
    expect(errorOf(craft({ __metadata__: { format: 'pt', epoch: 3 } }, [])).message).toBe(
      'bad.safetensors: "__metadata__" value for key "epoch" must be a string, got the number 3',
    );
  });

  test('"__proto__" is kept as a plain key', () => {
    const f = parseSafetensors(craft('{"__metadata__": {"__proto__": "x", "a": "b"}}', []));
    expect(Object.getPrototypeOf(f.metadata)).toBe(Object.prototype);
    expect(Object.keys(f.metadata)).toEqual(['__proto__', 'a']);
    expect(f.metadata['__proto__']).toBe('x');
  });
});

describe('tensor entries: structure and types', () => {
  test('entry that is not an object', () => {
    const e = errorOf(craft({ w: [0, 4] }, new Uint8Array(4)));
    expect(e.message).toBe('bad.safetensors: tensor "w": entry must be an object, got an array');
    expect(e.tensor).toBe('w');
  });

  test.each(['dtype', 'shape', 'data_offsets'])('missing "%s"', (field) => {
    const entry: Record<string, unknown> = ok('F32', [1], 0, 4);
    delete entry[field];
    expect(errorOf(craft({ w: entry }, new Uint8Array(4))).message).toBe(
      `bad.safetensors: tensor "w": missing "${field}"`,
    );
  });

  test('dtype of the wrong type', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), dtype: 4 } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": "dtype" must be a string, got the number 4',
    );
  });

  test('unknown dtype', () => {
    expect(errorOf(craft({ w: ok('F128', [1], 0, 16) }, new Uint8Array(16))).message).toMatch(
      /^bad\.safetensors: tensor "w": unknown dtype "F128" \(known: BOOL, U8, .*F64\)$/,
    );
  });

  test('dtype names are case-sensitive', () => {
    expect(errorOf(craft({ w: ok('f32', [1], 0, 4) }, new Uint8Array(4))).message).toContain('unknown dtype "f32"');
  });

  test('shape of the wrong type', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), shape: '1' } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": "shape" must be an array of integers, got the string "1"',
    );
  });

  test('shape element of the wrong type', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), shape: [1, '1'] } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": shape[1] must be an integer, got the string "1"',
    );
  });

  test('negative shape dimension', () => {
    expect(errorOf(craft({ w: ok('F32', [2, -1], 0, 4) }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": shape[1] is -1; dimensions must be non-negative',
    );
  });

  test('non-integer shape dimension', () => {
    expect(errorOf(craft({ w: ok('F32', [2.5], 0, 10) }, new Uint8Array(10))).message).toBe(
      'bad.safetensors: tensor "w": shape[0] is 2.5; dimensions must be integers',
    );
  });

  test('shape dimension beyond 2^53', () => {
    expect(errorOf(craft('{"w": {"dtype": "U8", "shape": [1e300], "data_offsets": [0, 1]}}', [0])).message).toBe(
      'bad.safetensors: tensor "w": shape[0] is 1e+300, which is too large',
    );
  });

  test('data_offsets that is not an array', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), data_offsets: 4 } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": "data_offsets" must be an array [begin, end] of two integers, got the number 4',
    );
  });

  test('data_offsets with the wrong number of elements', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), data_offsets: [0, 4, 8] } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": "data_offsets" must be an array [begin, end] of two integers, got an array of length 3',
    );
  });

  test('data_offsets element that is not a number', () => {
    expect(errorOf(craft({ w: { ...ok('F32', [1], 0, 4), data_offsets: ['0', 4] } }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": data_offsets begin must be a non-negative integer, got the string "0"',
    );
  });

  test('negative data_offsets', () => {
    expect(errorOf(craft({ w: ok('F32', [1], -4, 0) }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": data_offsets begin must be a non-negative integer, got the number -4',
    );
  });

  test('non-integer data_offsets', () => {
    expect(errorOf(craft({ w: ok('F32', [1], 0, 4.5) }, new Uint8Array(4))).message).toBe(
      'bad.safetensors: tensor "w": data_offsets end must be a non-negative integer, got the number 4.5',
    );
  });

  test('data_offsets with begin > end', () => {
    expect(errorOf(craft({ w: ok('F32', [1], 8, 4) }, new Uint8Array(8))).message).toBe(
      'bad.safetensors: tensor "w": data_offsets [8, 4] are invalid: begin is greater than end',
    );
  });
});

describe('tensor entries: data layout', () => {
  test('end beyond the data buffer (truncated file)', () => {
    const bytes = craft({ w: ok('F32', [4], 0, 16) }, new Uint8Array(12));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: tensor "w": data_offsets end 16 is beyond the end of the data buffer (12 bytes); the file is truncated or corrupt',
    );
  });

  test('byte length does not match shape x dtype size', () => {
    const bytes = craft({ w: ok('F32', [2, 2], 0, 12) }, new Uint8Array(12));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: tensor "w": byte length 12 (data_offsets [0, 12]) does not match shape [2, 2] x F32 (4 bytes) = 16 bytes',
    );
  });

  test('byte length mismatch for a scalar', () => {
    const bytes = craft({ s: ok('F64', [], 0, 4) }, new Uint8Array(4));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: tensor "s": byte length 4 (data_offsets [0, 4]) does not match shape [] x F64 (8 bytes) = 8 bytes',
    );
  });

  test('byte length mismatch for a huge shape (no overflow)', () => {
    const bytes = craft({ w: ok('F64', [2 ** 40, 2 ** 40], 0, 8) }, new Uint8Array(8));
    expect(errorOf(bytes).message).toContain('= 9671406556917033397649408 bytes');
  });

  test('tensors overlapping each other', () => {
    const bytes = craft({ a: ok('F32', [2], 0, 8), b: ok('F32', [2], 4, 12) }, new Uint8Array(12));
    const e = errorOf(bytes);
    expect(e.message).toBe(
      'bad.safetensors: tensor "b": data_offsets [4, 12] overlap tensor "a" (data_offsets [0, 8])',
    );
    expect(e.tensor).toBe('b');
  });

  test('two tensors sharing the same bytes', () => {
    const bytes = craft({ a: ok('F32', [1], 0, 4), b: ok('F32', [1], 0, 4) }, new Uint8Array(4));
    expect(errorOf(bytes).message).toContain('overlap tensor "a" (data_offsets [0, 4])');
  });

  test('a zero-length tensor placed inside another tensor', () => {
    const bytes = craft({ a: ok('F32', [2], 0, 8), e: ok('F32', [0], 4, 4) }, new Uint8Array(8));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: tensor "e": data_offsets [4, 4] overlap tensor "a" (data_offsets [0, 8])',
    );
  });

  test('a gap between tensors', () => {
    const bytes = craft({ a: ok('F32', [1], 0, 4), b: ok('F32', [1], 8, 12) }, new Uint8Array(12));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: tensor "b": data buffer bytes [4, 8) are not covered by any tensor (gap before this tensor\'s data_offsets [8, 12])',
    );
  });

  test('a gap at the start of the data buffer', () => {
    const bytes = craft({ a: ok('U8', [2], 2, 4) }, new Uint8Array(4));
    expect(errorOf(bytes).message).toContain('tensor "a": data buffer bytes [0, 2) are not covered by any tensor');
  });

  test('trailing bytes after the last tensor', () => {
    const bytes = craft({ a: ok('F32', [1], 0, 4) }, new Uint8Array(7));
    expect(errorOf(bytes).message).toBe(
      'bad.safetensors: data buffer has 3 trailing bytes [4, 7) not covered by any tensor',
    );
  });

  test('data but no tensors', () => {
    expect(errorOf(craft({ __metadata__: {} }, [1, 2])).message).toBe(
      'bad.safetensors: data buffer has 2 trailing bytes [0, 2) not covered by any tensor',
    );
  });
});

describe('sources in messages', () => {
  test('parseSafetensors without a label says <buffer>', () => {
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow(/^<buffer>: file is too short/);
  });

  test('readSafetensors names the file path', () => {
    const { dir, cleanup } = tempDir();
    try {
      const p = path.join(dir, 'broken.safetensors');
      fs.writeFileSync(p, craft({ w: ok('F32', [4], 0, 16) }, f32Bytes([1, 2])));
      expect(() => readSafetensors(p)).toThrow(
        `${p}: tensor "w": data_offsets end 16 is beyond the end of the data buffer (8 bytes); the file is truncated or corrupt`,
      );
    } finally {
      cleanup();
    }
  });

  test('readSafetensors of a missing file throws the usual ENOENT error', () => {
    expect(() => readSafetensors('/nonexistent/dir/x.safetensors')).toThrow(/ENOENT/);
  });
});
