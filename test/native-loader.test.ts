// The loader (lib/native.ts): its order (PRUNEKIT_BINARY, prebuilt, local build), what it reports when a
// file does not load, and the error when nothing does. Searches run against temp package folders.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  bindingCandidates,
  bindingOrigin,
  describeTarget,
  detectTarget,
  findBinding,
  getBindingOrigin,
  type Target,
} from '../lib/native';
import { NativeBinaryError } from '../lib/errors';

const linuxOnly = process.platform === 'linux' ? test : test.skip;
const here = detectTarget();
const tag = `${here.platform}-${here.arch}`;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-loader-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the binary this process loaded, at `rel` under a fresh folder of tmp; returns the folder. */
function packageWith(name: string, rel?: string): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(root, { recursive: true });
  if (rel) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.copyFileSync(bindingOrigin.path, path.join(root, rel));
  }
  return root;
}

/** Loads lib/native afresh with `env` set; returns the module and the warnings it emitted. */
function loadWith(env: Record<string, string>): { native: typeof import('../lib/native'); warnings: string[] } {
  const saved = { ...process.env };
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  Object.assign(process.env, env);
  try {
    let native: typeof import('../lib/native') | undefined;
    jest.isolateModules(() => {
      native = require('../lib/native');
    });
    return { native: native!, warnings: warn.mock.calls.map((call) => String(call[0])) };
  } finally {
    for (const key of Object.keys(env)) {
      if (key in saved) process.env[key] = saved[key];
      else delete process.env[key];
    }
    warn.mockRestore();
  }
}

/** What the search reports when nothing loads. */
function failure(root: string, candidates: ReturnType<typeof bindingCandidates>, target: Target = here): string {
  try {
    findBinding(root, candidates, target);
  } catch (err) {
    expect(err).toBeInstanceOf(NativeBinaryError);
    expect((err as NativeBinaryError).code).toBe('ERR_PRUNEKIT_NATIVE_BINARY');
    return (err as Error).message;
  }
  throw new Error('findBinding loaded something');
}

test('the binding in use names its origin: kind, existing path, target', () => {
  const origin = getBindingOrigin();
  expect(['override', 'prebuilt', 'built']).toContain(origin.kind);
  expect(fs.existsSync(origin.path)).toBe(true);
  expect(origin.target).toEqual(here);
  expect(getBindingOrigin()).not.toBe(getBindingOrigin()); // a copy: callers cannot change the record
});

linuxOnly('on glibc Linux the target says glibc and its version', () => {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  expect(here).toEqual({
    platform: 'linux',
    arch: process.arch,
    libc: 'glibc',
    libcVersion: header.glibcVersionRuntime,
  });
  expect(describeTarget(here)).toBe(`linux-${process.arch} (glibc ${header.glibcVersionRuntime})`);
  expect(describeTarget({ platform: 'linux', arch: 'arm64', libc: 'musl' })).toBe('linux-arm64 (musl)');
  expect(describeTarget({ platform: 'darwin', arch: 'arm64' })).toBe('darwin-arm64');
});

test('PRUNEKIT_BINARY naming a file that loads is used first, relative paths from the working directory', () => {
  const root = packageWith('override', 'custom/prunekit.node');
  const file = path.join(root, 'custom', 'prunekit.node');
  const { native, warnings } = loadWith({ PRUNEKIT_BINARY: path.relative(process.cwd(), file) });
  expect(native.bindingOrigin).toEqual({ kind: 'override', path: file, target: here, passedOver: [] });
  expect(native.binding.simdInfo().compiled).toContain('scalar');
  expect(warnings).toEqual([]);
});

test('a PRUNEKIT_BINARY that does not load is passed over with a warning, and the next binary loads', () => {
  const missing = path.join(tmp, 'nowhere', 'prunekit.node');
  const { native, warnings } = loadWith({ PRUNEKIT_BINARY: missing });
  expect(native.bindingOrigin.kind).not.toBe('override');
  expect(native.bindingOrigin.passedOver[0]).toBe(`[PRUNEKIT_BINARY] ${missing}: not found`);
  expect(warnings).toEqual([
    `[PRUNEKIT_BINARY] ${missing}: not found; loaded the ${native.bindingOrigin.kind === 'built' ? 'local build' : 'prebuilt'} binary ${native.bindingOrigin.path} instead`,
  ]);
});

test('when nothing loads, the error names the target, every path tried with its reason, and how to build', () => {
  const root = packageWith('empty');
  fs.mkdirSync(path.join(root, 'prebuilds', 'sunos-sparc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'prebuilds', 'sunos-sparc', 'prunekit.node'), 'not for us');
  const bad = path.join(tmp, 'bad.node');
  const message = failure(root, bindingCandidates(root, here, { PRUNEKIT_BINARY: bad }));

  expect(message).toContain(
    `prunekit: no native binary loads on ${describeTarget(here)}, Node ${process.versions.node}`,
  );
  const lines = message.split('\n').filter((line) => line.startsWith('  ['));
  expect(lines).toEqual([
    `  [PRUNEKIT_BINARY] ${bad}: not found`,
    `  [prebuilt] ${path.join(root, 'prebuilds', tag, 'prunekit.node')}: not found`,
    `  [local build] ${path.join(root, 'build', 'Release', 'prunekit.node')}: not found`,
    `  [local build] ${path.join(root, 'build', 'Debug', 'prunekit.node')}: not found`,
  ]);
  expect(message).toContain('Prebuilt binaries in this package: sunos-sparc (glibc).');
  expect(message).toContain(
    `Build from source: run \`npx prunekit build\` in your project (it runs cmake-js in ${root}`,
  );
  expect(message).toContain(`or set PRUNEKIT_BINARY to a prunekit.node built for ${tag}.`);
  expect(message).not.toContain('npm rebuild');
});

test("a file that exists but does not load is listed with the loader's reason", () => {
  const root = packageWith('junk');
  const junk = path.join(root, 'junk.node');
  fs.writeFileSync(junk, 'this is not a shared object, it is text long enough to have a header');
  const message = failure(root, [{ kind: 'override', path: junk }]);
  const line = message.split('\n').find((l) => l.includes(junk))!;
  expect(line).toMatch(new RegExp(`^  \\[PRUNEKIT_BINARY\\] ${junk.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\S`));
  expect(line).not.toContain('not found');
});

linuxOnly('a binary for another CPU is called that, not "No such file or directory" alone', () => {
  const other = process.arch === 'arm64' ? { arch: 'x64', machine: 0x3e } : { arch: 'arm64', machine: 0xb7 };
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0); // \x7fELF
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeUInt16LE(3, 16); // ET_DYN
  header.writeUInt16LE(other.machine, 18);
  const root = packageWith('foreign');
  const file = path.join(root, 'prebuilds', tag, 'prunekit.node');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, header);
  const message = failure(root, bindingCandidates(root, here, {}));
  expect(message).toContain(`  [prebuilt] ${file}: `);
  expect(message).toContain(`(it is a binary for linux-${other.arch}, this process is ${tag})`);
});

test('the prebuilt binary under the package root loads as "prebuilt" on glibc and is skipped on musl', () => {
  const root = packageWith('prebuilt', path.join('prebuilds', tag, 'prunekit.node'));
  const file = path.join(root, 'prebuilds', tag, 'prunekit.node');
  const glibc: Target = { ...here, libc: 'glibc' };
  const loaded = findBinding(root, bindingCandidates(root, glibc, {}), glibc);
  expect(loaded.origin).toEqual({ kind: 'prebuilt', path: file, target: glibc, passedOver: [] });
  expect(loaded.binding.simdInfo().compiled).toContain('scalar');

  const musl: Target = { platform: 'linux', arch: here.arch, libc: 'musl' };
  const candidates = bindingCandidates(root, musl, {});
  expect(candidates).toEqual([
    {
      kind: 'prebuilt',
      path: file,
      skip: 'skipped: the prebuilt Linux binaries are linked against glibc and this process uses musl',
    },
    { kind: 'built', path: path.join(root, 'build', 'Release', 'prunekit.node') },
    { kind: 'built', path: path.join(root, 'build', 'Debug', 'prunekit.node') },
  ]);
  const message = failure(root, candidates, musl);
  expect(message).toContain(`no native binary loads on linux-${here.arch} (musl)`);
  expect(message).toContain(
    `  [prebuilt] ${file}: skipped: the prebuilt Linux binaries are linked against glibc and this process uses musl`,
  );
});

test('the local build is found where cmake-js writes it (build/Release) after the other candidates', () => {
  const root = packageWith('built', path.join('build', 'Release', 'prunekit.node'));
  const loaded = findBinding(root, bindingCandidates(root, here, {}), here);
  expect(loaded.origin).toEqual({
    kind: 'built',
    path: path.join(root, 'build', 'Release', 'prunekit.node'),
    target: here,
    passedOver: [`[prebuilt] ${path.join(root, 'prebuilds', tag, 'prunekit.node')}: not found`],
  });
});
