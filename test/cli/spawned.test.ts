// The compiled CLI as users run it: `node dist/lib/cli/main.js`. Needs `npx tsc -p tsconfig.json` first;
// skipped (with the reason in the suite name) when dist/ is missing or older than lib/cli.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, tensorAsFloat32 } from '../../lib/io';
import { f32, tempDir, writeModel } from './helpers';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'dist', 'lib', 'cli', 'main.js');

function staleness(): string | undefined {
  if (!fs.existsSync(bin)) return `${path.relative(root, bin)} not found: run npx tsc -p tsconfig.json`;
  const built = fs.statSync(bin).mtimeMs;
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.ts')) sources.push(path.join(dir, e.name));
    }
  };
  walk(path.join(root, 'lib', 'cli'));
  const newer = sources.find((s) => fs.statSync(s).mtimeMs > built);
  return newer ? `${path.relative(root, newer)} is newer than dist: run npx tsc -p tsconfig.json` : undefined;
}

const reason = staleness();
const suite = reason === undefined ? describe : describe.skip;
// Jest prints nothing for a file whose tests are all skipped: a todo puts the reason in the summary.
if (reason !== undefined) test.todo(`spawned CLI tests skipped: ${reason}`);

/** A preload that makes every .node file fail to load, as a binary built for another platform would. */
const BREAK_NATIVE = "require.extensions['.node'] = () => { throw new Error('simulated: invalid ELF header'); };";

function run(args: string[], preload?: string) {
  const nodeArgs = preload ? ['--require', preload, bin, ...args] : [bin, ...args];
  // PRUNEKIT_DEBUG unset: users' view, no stack traces.
  const env = { ...process.env, PRUNEKIT_DEBUG: '' };
  return spawnSync(process.execPath, nodeArgs, { encoding: 'utf8', env });
}

suite(`spawned CLI${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    fs.writeFileSync(tmp.file('break-native.js'), BREAK_NATIVE);
  });
  afterAll(() => tmp.cleanup());

  test('starts with a shebang, so npm can link it as the prunekit bin', () => {
    expect(fs.readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  test('score end to end, exit code 0, JSON on stdout, nothing on stderr when piped', () => {
    const model = writeModel(tmp.file('m.safetensors'), [
      ['w', f32([2], [-1.5, 2])],
      ['b', f32([1], [-3])],
    ]);
    const out = tmp.file('s.safetensors');
    const r = run(['score', model, '--criterion', 'magnitude', '-o', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).tensors.map((t: { name: string }) => t.name)).toEqual(['w', 'b']);
    expect(tensorAsFloat32(readSafetensors(out).tensors.get('w')!)).toEqual(new Float32Array([1.5, 2]));
  });

  test("with a binary that does not load: --help exits 0, info exits 1 with the loader's message, no stack", () => {
    const preload = tmp.file('break-native.js');
    const help = run(['--help'], preload);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: prunekit <command>');
    expect(run(['score', '--help'], preload).status).toBe(0);
    const info = run(['info'], preload);
    expect(info.status).toBe(1);
    expect(info.stdout).toMatch(/^binary +does not load/m);
    expect(info.stderr).toContain('simulated: invalid ELF header');
    expect(info.stderr).not.toMatch(/\n\s+at /);
  });

  test('unknown flag exits 2', () => {
    const r = run(['info', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown flag --bogus');
  });
});
