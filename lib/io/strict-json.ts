/**
 * A small, strict RFC 8259 JSON parser used for safetensors headers.
 *
 * Differences from `JSON.parse` that matter for headers:
 * - objects are returned as `Map`s, so key order is the document order even
 *   for integer-like keys (`JSON.parse` would move "0", "1", ... to the front);
 * - duplicate keys in one object are an error instead of "last one wins";
 * - lone UTF-16 surrogate escapes (e.g. `"\ud800"`) are an error;
 * - nesting deeper than {@link MAX_JSON_DEPTH} is an error (no stack overflow).
 */

/**
 * A parsed JSON value; objects keep their keys in document order.
 *
 * @example
 * const v: JsonValue = new Map<string, JsonValue>([['shape', [2, 3]]]);
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/**
 * A parsed JSON object (a Map from key to value, in document order).
 *
 * @example
 * const o = parseStrictJson('{"dtype": "F32"}') as JsonObject;
 * o.get('dtype'); // 'F32'
 */
export type JsonObject = Map<string, JsonValue>;

/**
 * Maximum nesting depth accepted by {@link parseStrictJson}.
 *
 * @example
 * parseStrictJson('['.repeat(MAX_JSON_DEPTH + 1)); // throws StrictJsonError
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Error thrown by {@link parseStrictJson}; `position` is a UTF-16 index into
 * the text and is also appended to the message.
 *
 * @example
 * try { parseStrictJson('{"a": 1, "a": 2}'); }
 * catch (e) { (e as StrictJsonError).message; } // 'duplicate key "a" at position 9'
 */
export class StrictJsonError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'StrictJsonError';
  }
}

/**
 * Parses `text` as a single JSON value (surrounding JSON whitespace allowed).
 *
 * @param text - The JSON document.
 * @returns The value; objects are `Map`s in document order.
 * @throws StrictJsonError on any syntax error, duplicate key, lone surrogate
 *   or excessive nesting.
 * @example
 * const v = parseStrictJson('{"b": 1, "0": [true, null]}') as Map<string, unknown>;
 * [...v.keys()]; // ['b', '0']
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonValue {
  const p = new Parser(text, options.integersOnly === true);
  p.skipWs();
  const value = p.parseValue(0);
  p.skipWs();
  if (p.pos !== text.length) p.fail('unexpected trailing characters');
  return value;
}

/** How strict {@link parseStrictJson} is beyond RFC 8259. */
export interface StrictJsonOptions {
  /**
   * Numbers not written as integers (`4.0`, `1e3`, `-0.5`) come back as {@link NonIntegerLiteral}, so a
   * caller that takes integers only can refuse them even when their value is integral: safetensors headers
   * hold integers only, and the reference reader (serde's u64/usize) refuses such literals.
   */
  integersOnly?: boolean;
}

/**
 * A number written with a fraction or an exponent, returned in place of the number under `integersOnly`.
 * @example
 * (parseStrictJson('[1e3]', { integersOnly: true }) as unknown[])[0]; // NonIntegerLiteral { value: 1000, text: '1e3' }
 */
export class NonIntegerLiteral {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  pos = 0;
  constructor(
    private readonly s: string,
    private readonly integersOnly = false,
  ) {}

  fail(message: string, at: number = this.pos): never {
    throw new StrictJsonError(message, at);
  }

  /** Fails with `message`, or with "unexpected end of input" at the end. */
  private failHere(message: string): never {
    return this.fail(this.pos >= this.s.length ? 'unexpected end of input' : message);
  }

  skipWs(): void {
    const s = this.s;
    let i = this.pos;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.pos = i;
  }

  parseValue(depth: number): JsonValue {
    const s = this.s;
    if (this.pos >= s.length) this.fail('unexpected end of input');
    const c = s[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth + 1);
      case '[':
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail('invalid literal');
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (m === null) return this.fail('invalid number');
    this.pos += m[0].length;
    if (this.integersOnly && /[.eE]/.test(m[0])) return new NonIntegerLiteral(Number(m[0]), m[0]) as unknown as number;
    return Number(m[0]);
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private parseArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    this.pos++; // '['
    const out: JsonValue[] = [];
    this.skipWs();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.parseValue(depth));
      this.skipWs();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c === ']') {
        this.pos++;
        return out;
      } else {
        this.failHere("expected ',' or ']' in array");
      }
    }
  }

  private parseObject(depth: number): JsonObject {
    this.checkDepth(depth);
    this.pos++; // '{'
    const out: JsonObject = new Map();
    this.skipWs();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.s[this.pos] !== '"') this.failHere('expected a string key in object');
      const keyPos = this.pos;
      const key = this.parseString();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyPos);
      this.skipWs();
      if (this.s[this.pos] !== ':') this.failHere("expected ':' after object key");
      this.pos++;
      this.skipWs();
      out.set(key, this.parseValue(depth));
      this.skipWs();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c === '}') {
        this.pos++;
        return out;
      } else {
        this.failHere("expected ',' or '}' in object");
      }
    }
  }

  private parseString(): string {
    const s = this.s;
    const start = this.pos;
    let i = start + 1; // skip opening quote
    let out = '';
    let chunkStart = i;
    for (;;) {
      if (i >= s.length) this.fail('unterminated string', start);
      const c = s.charCodeAt(i);
      if (c === 0x22 /* " */) {
        out += s.slice(chunkStart, i);
        i++;
        break;
      }
      if (c < 0x20) this.fail('unescaped control character in string', i);
      if (c === 0x5c /* \ */) {
        out += s.slice(chunkStart, i);
        const e = s[i + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const unit = this.hex4(i + 2);
            if (unit >= 0xd800 && unit <= 0xdbff) {
              // A high surrogate must be followed by an escaped low surrogate.
              const low = s.startsWith('\\u', i + 6) ? this.hex4(i + 8) : -1;
              if (low < 0xdc00 || low > 0xdfff) this.fail('lone surrogate escape in string', i);
              out += String.fromCharCode(unit, low);
              i += 6;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
              this.fail('lone surrogate escape in string', i);
            } else {
              out += String.fromCharCode(unit);
            }
            i += 4;
            break;
          }
          default:
            this.fail('invalid escape in string', i);
        }
        i += 2;
        chunkStart = i;
        continue;
      }
      i++;
    }
    this.pos = i;
    return out;
  }

  private hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('invalid \\u escape in string', at - 2);
    return parseInt(h, 16);
  }
}
