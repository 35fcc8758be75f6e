/** A buffer grown to the largest size asked for and handed out as a view of exactly the size asked. */
export class Grown<T extends Uint8Array | Float32Array> {
  private buf: T | undefined;
  constructor(private readonly make: new (n: number) => T) {}

  get(n: number): T {
    if (this.buf === undefined || this.buf.length < n) this.buf = new this.make(n);
    return this.buf.subarray(0, n) as T;
  }
}
