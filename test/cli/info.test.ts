// `prunekit info` with the real binary (the broken-binary case is in no-native.test.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bindingOrigin, criteriaNames, simdInfo } from '../../lib';
import { runCli } from './helpers';

const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

test('--json: version, node, platform, binary and where it came from, instruction sets, criteria', async () => {
  const r = await runCli(['info', '--json']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  const info = JSON.parse(r.stdout);
  expect(info).toEqual({
    version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    binary: JSON.parse(JSON.stringify(bindingOrigin)),
    simd: simdInfo(),
    criteria: criteriaNames(),
    env: expect.any(Object),
  });
  expect(['override', 'prebuilt', 'built']).toContain(info.binary.kind);
  expect(info.simd.supported).toContain(info.simd.active);
});

test('text: one line per fact', async () => {
  const r = await runCli(['info']);
  expect(r.code).toBe(0);
  const { active, supported } = simdInfo();
  expect(r.stdout).toMatch(new RegExp(`^prunekit +${version.replace(/\./g, '\\.')}$`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^node +${process.version.replace(/\./g, '\\.')}$`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^platform +${process.platform}-${process.arch}$`, 'm'));
  expect(r.stdout).toContain(`${bindingOrigin.path} (${bindingOrigin.kind})`);
  expect(r.stdout).toMatch(new RegExp(`^simd +${active} \\(supported: ${supported.join(', ')};`, 'm'));
  expect(r.stdout).toMatch(/^criteria +magnitude, gradient, snip, snip_momentum/m);
});
