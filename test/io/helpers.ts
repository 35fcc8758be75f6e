import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Builds raw safetensors bytes by hand (independently of the library writer),
 * so the tests can craft malformed files.
 *
 * @param header - JSON value (serialized with JSON.stringify) or raw header text.
 * @param data - Bytes of the data buffer.
 * @param opts.headerLength - Override the u64 length prefix.
 * @param opts.pad - Number of trailing spaces appended to the header text.
 */
export function craft(
  header: unknown,
  data: Uint8Array | number[] = new Uint8Array(0),
  opts: { headerLength?: bigint; pad?: number; rawHeader?: Uint8Array } = {},
): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = opts.rawHeader ?? new TextEncoder().encode(text + ' '.repeat(opts.pad ?? 0));
  const d = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, opts.headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-io-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Little-endian bytes of f32 values. */
export function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}
