#!/usr/bin/env node
/**
 * `npm run bench [-- --json] [-- --quick]`: the kernel benchmark. `--quick` uses small sizes and a
 * 2-layer model (a smoke run); `--json` prints the report as JSON on stdout.
 */
import { runBench } from './run';

const args = process.argv.slice(2);
const unknown = args.filter((a) => !['--json', '--quick'].includes(a));
if (unknown.length > 0) {
  console.error(`unknown option ${unknown[0]}; usage: npm run bench [-- --json] [-- --quick]`);
  process.exit(2);
}
const json = args.includes('--json');
const quick = args.includes('--quick');
const report = runBench({
  sizes: quick ? [4096, 262_144] : undefined,
  modelLayers: quick ? 1 : 12,
  samples: quick ? 3 : 7,
  write: json ? (line) => process.stderr.write(`${line}\n`) : (line) => console.log(line),
});
if (json) console.log(JSON.stringify(report, null, 2));
