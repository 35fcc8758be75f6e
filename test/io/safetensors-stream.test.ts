// The streaming reader and writer: positional reads (files over 2 GiB), the same strictness as the
// whole-file parser, tensors written in order to a temporary renamed into place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsReader, SafetensorsWriter, parseSafetensors, serializeSafetensors } from '../../lib/io';
import { craft, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

test('a file over 2 GiB (sparse): opened by its header, the last tensor read at its offset', () => {
  const big = 2_200_000_000; // past 2^31 bytes, which readFileSync refuses
  const header = JSON.stringify({
    big: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
    tail: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
  });
  const file = path.join(tmp.dir, 'big.safetensors');
  const head = craft(header);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, head);
  fs.writeSync(fd, new Uint8Array(new Float32Array([1.5, -2]).buffer), 0, 8, head.length + big);
  fs.closeSync(fd);
  const r = SafetensorsReader.open(file);
  try {
    expect(r.size).toBe(head.length + big + 8);
    const tail = r.tensors.get('tail')!;
    expect(tail.offset).toBe(head.length + big);
    expect(Array.from(new Float32Array(r.read(tail).buffer))).toEqual([1.5, -2]);
    expect(r.dataBytes).toBe(big + 8);
  } finally {
    r.close();
  }
});

test('the reader refuses what the whole-file parser refuses, with the same message', () => {
  const cases = [
    craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(6)), // truncated
    craft({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)), // trailing bytes
    craft('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', new Uint8Array(4)), // 4.0
    craft('{"w":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', new Uint8Array(4)), // 1e0
    new Uint8Array([1, 2, 3]),
  ];
  for (const bytes of cases) {
    const file = path.join(tmp.dir, 'x.safetensors');
    fs.writeFileSync(file, bytes);
    let whole = '';
    try {
      parseSafetensors(bytes, file);
    } catch (e) {
      whole = (e as Error).message;
    }
    expect(whole).not.toBe('');
    expect(() => SafetensorsReader.open(file)).toThrow(whole);
  }
});

test('the writer: header first, tensors in order, bytes equal to serializeSafetensors; out of order refused', () => {
  const specs = [
    { name: 'a', dtype: 'F32' as const, shape: [2] },
    { name: 'b', dtype: 'U8' as const, shape: [3] },
  ];
  const a = new Uint8Array(new Float32Array([1, 2]).buffer);
  const b = new Uint8Array([7, 8, 9]);
  const dest = path.join(tmp.dir, 'out.safetensors');
  const w = SafetensorsWriter.create(dest, specs, { format: 'pt' });
  expect(() => w.write('b', b)).toThrow(/tensor "b": tensor written out of order: expected "a"/);
  expect(() => w.write('a', b)).toThrow(/3 bytes given, shape \[2\] x F32 needs 8/);
  w.write('a', a);
  expect(() => w.finish()).toThrow(/1 tensors were not written \(next: "b"\)/);
  w.write('b', b);
  w.finish();
  expect(fs.existsSync(dest)).toBe(false); // nothing under the name until publish
  w.publish();
  const expected = serializeSafetensors(
    [
      ['a', { dtype: 'F32', shape: [2], data: a }],
      ['b', { dtype: 'U8', shape: [3], data: b }],
    ],
    { format: 'pt' },
  );
  expect(fs.readFileSync(dest).equals(expected)).toBe(true);
  expect(fs.readdirSync(tmp.dir)).toEqual(['out.safetensors']);
});

test('discard removes the temporary and leaves an existing destination untouched', () => {
  const dest = path.join(tmp.dir, 'out.safetensors');
  fs.writeFileSync(dest, 'old');
  const w = SafetensorsWriter.create(dest, [{ name: 'a', dtype: 'U8', shape: [1] }]);
  expect(fs.existsSync(w.tempPath)).toBe(true);
  w.discard();
  expect(fs.readdirSync(tmp.dir)).toEqual(['out.safetensors']);
  expect(fs.readFileSync(dest, 'utf8')).toBe('old');
});
