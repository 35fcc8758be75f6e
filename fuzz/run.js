// A time-boxed mutation fuzzer (no coverage feedback; libFuzzer would need clang and the parsers are
/* global Buffer */
// TypeScript) over the safetensors parser, parsePattern and resolvePruningConfig. A run fails if a parser
// throws anything but a named error (PrunekitError, TypeError, RangeError) or takes over a second on one
// input. Seeds: fuzz/corpus/*; a failing input is written to fuzz/findings/.
// node fuzz/run.js [--seconds N] [--seed S]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const p = require('..');
const cfg = require('../dist/lib/pruning/config.js');
const arg = (k, d) => (process.argv.includes(k) ? Number(process.argv[process.argv.indexOf(k) + 1]) : d);
const seconds = arg('--seconds', 30);
let seed = arg('--seed', 20261201) >>> 0;
const rnd = (k) => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % k;
};
const corpus = path.join(__dirname, 'corpus');
const seeds = { safetensors: [], pattern: [], config: [] };
for (const file of fs.readdirSync(corpus)) seeds[file.split('-')[0]]?.push(fs.readFileSync(path.join(corpus, file)));
const interesting = [
  '0',
  '-1',
  '1e3',
  '4.0',
  '2147483648',
  '9007199254740993',
  'NaN',
  '"',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '\u0000',
  '__proto__',
  'x',
  '65536',
  '1:',
  'x1',
];
function mutate(buf) {
  let b = Buffer.from(buf);
  for (let k = 1 + rnd(4); k > 0; k--) {
    const at = b.length ? rnd(b.length) : 0;
    switch (rnd(6)) {
      case 0:
        if (b.length) b[at] = rnd(256);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rnd(8))]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(interesting[rnd(interesting.length)]), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + rnd(16)), b.subarray(at)]);
        break;
      case 4:
        if (b.length >= 8 && rnd(2)) b.writeUInt32LE(rnd(2 ** 32), rnd(b.length - 3));
        break;
      default:
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}
const targets = {
  safetensors: (b) => p.parseSafetensors(new Uint8Array(b.buffer, b.byteOffset, b.length)),
  pattern: (b) => p.parsePattern(b.toString('utf8')),
  config: (b) => cfg.resolvePruningConfig(JSON.parse(b.toString('utf8'))),
};
const named = (e) =>
  e instanceof p.PrunekitError || e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError;
const counts = {};
const end = Date.now() + seconds * 1000;
let failures = 0;
while (Date.now() < end && failures < 5)
  for (const [name, run] of Object.entries(targets)) {
    const pool = seeds[name];
    if (!pool.length) continue;
    const input = mutate(pool[rnd(pool.length)]);
    const t = Date.now();
    let bad = null;
    // Every target must fail with a named error: a PrunekitError (ConfigError, SafetensorsError) or the
    // TypeError/RangeError/SyntaxError of a malformed argument, never a plain Error.
    try {
      run(input);
    } catch (e) {
      if (!named(e)) bad = e;
    }
    if (Date.now() - t > 1000) bad = new Error(`took ${Date.now() - t} ms`);
    counts[name] = (counts[name] ?? 0) + 1;
    if (bad) {
      failures++;
      fs.mkdirSync(path.join(__dirname, 'findings'), { recursive: true });
      const file = path.join(__dirname, 'findings', `${name}-${Date.now()}-${failures}`);
      fs.writeFileSync(file, input);
      console.log(`FINDING ${name}: ${bad && bad.stack ? bad.stack.split('\n')[0] : bad} -> ${file}`);
    }
  }
console.log(`fuzz: ${JSON.stringify(counts)} executions in ${seconds} s, ${failures} findings`);
process.exitCode = failures ? 1 : 0;
