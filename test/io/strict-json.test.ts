import { JsonValue, MAX_JSON_DEPTH, parseStrictJson, StrictJsonError } from '../../lib/io/strict-json';

/** Converts parser output (Maps) to plain JS for comparison with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

describe('parseStrictJson', () => {
  test.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5, 3e2, -0, 0.125E-3], "b": {"c": null, "d": true, "e": false}}  ',
    '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude42"',
    '"raw ünïcödé 🙂"',
    '\t\r\n 12 \n',
  ])('agrees with JSON.parse on valid input %#', (text) => {
    expect(plain(parseStrictJson(text))).toEqual(JSON.parse(text));
  });

  test('keeps document key order, including integer-like keys', () => {
    const v = parseStrictJson('{"b": 1, "10": 2, "a": 3, "2": 4}') as Map<string, JsonValue>;
    expect([...v.keys()]).toEqual(['b', '10', 'a', '2']);
  });

  test.each([
    ['{"a": 1, "a": 2}', 'duplicate key "a" at position 9'],
    ['{"a": 1', 'unexpected end of input at position 7'],
    ['[1, 2', 'unexpected end of input'],
    ['[1 2]', "expected ',' or ']' in array at position 3"],
    ['{"a" 1}', "expected ':' after object key"],
    ['{a: 1}', 'expected a string key in object'],
    ['[01]', "expected ',' or ']' in array"],
    ['[1.]', "expected ',' or ']' in array"],
    ['[-]', 'invalid number'],
    ['[+1]', 'unexpected character "+"'],
    ['[tru]', 'invalid literal'],
    ['"abc', 'unterminated string at position 0'],
    ['"a\u0001b"', 'unescaped control character in string at position 2'],
    ['"\\x41"', 'invalid escape in string'],
    ['"\\u12G4"', 'invalid \\u escape in string'],
    ['"\\ud800"', 'lone surrogate escape in string'],
    ['"\\udc00"', 'lone surrogate escape in string'],
    ['"\\ud800\\u0041"', 'lone surrogate escape in string'],
    ['{} {}', 'unexpected trailing characters at position 3'],
    ['', 'unexpected end of input at position 0'],
  ])('rejects %j', (text, message) => {
    expect(() => parseStrictJson(text)).toThrow(StrictJsonError);
    expect(() => parseStrictJson(text)).toThrow(message);
  });

  test(`nesting is limited to ${MAX_JSON_DEPTH} levels (no stack overflow)`, () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => parseStrictJson(ok)).not.toThrow();
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(() => parseStrictJson(deep)).toThrow(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
