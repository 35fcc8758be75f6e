// The dispatcher: top-level help, version, `help <command>`, unknown commands and flags.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from './helpers';

const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

test('no command: the help on stderr, exit 2', async () => {
  const r = await runCli([]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('Usage: prunekit <command> [options]');
});

test.each([['--help'], ['-h'], ['help']])('%s lists the commands', async (flag) => {
  const r = await runCli([flag]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  for (const name of ['info', 'score', 'prune', 'bench', 'build'])
    expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  expect(r.stdout).toContain(`prunekit ${version}`);
  expect(r.stdout).toContain('Exit codes: 0 success, 1 error, 2 usage error.');
});

test.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
  expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

test.each(['info', 'score', 'prune', 'bench', 'build'])('help %s is %s --help', async (name) => {
  const viaHelp = await runCli(['help', name]);
  const viaFlag = await runCli([name, '--help']);
  const viaShort = await runCli([name, '-h']);
  expect(viaHelp.code).toBe(0);
  expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: prunekit ${name}`));
  expect(viaHelp.stdout).toContain('-h, --help');
  expect(viaFlag).toEqual(viaHelp);
  expect(viaShort).toEqual(viaHelp);
});

test.each([
  [['frobnicate'], 'prunekit: unknown command "frobnicate"'],
  [['help', 'frobnicate'], 'prunekit: unknown command "frobnicate"'],
  [['help', 'info', 'score'], "prunekit: 'help' takes one command name, got 2"],
  [['--json'], 'prunekit: unknown flag --json (flags go after the command)'],
])('%j is a usage error', async (argv, message) => {
  const r = await runCli(argv);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`${message}\nCommands: info, score, prune, bench, build. Run 'prunekit --help' for details.\n`);
});

test("a command's usage error ends with its synopsis and where its help is", async () => {
  const r = await runCli(['info', 'model.safetensors', 'extra']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    'prunekit info: unexpected argument "extra"\nUsage: prunekit info [--json]\n       prunekit info MODEL.safetensors|INDEX.json|DIR [--json]\n' +
      "Run 'prunekit info --help' for details.\n",
  );
});
