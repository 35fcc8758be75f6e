// `prunekit build` with a stand-in for the child process: never a real build here, the tree is shared.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import * as os from 'node:os';
import { buildFailureHint, cmakeJsBin, installCommand } from '../../lib/cli/commands/build';
import { NativeBinaryError } from '../../lib/errors';
import { runCli } from './helpers';

interface FakeChild extends EventEmitter {
  stdout: PassThrough;
  stderr: PassThrough;
}

const mockSpawn = jest.fn();
jest.mock('node:child_process', () => ({ spawn: (...args: unknown[]) => mockSpawn(...args) }));

const root = path.join(__dirname, '..', '..');

/** A child that prints `out` and `err`, then exits with `code`. */
function child(out: string, err: string, code: number): FakeChild {
  const c = Object.assign(new EventEmitter(), { stdout: new PassThrough(), stderr: new PassThrough() });
  setImmediate(() => {
    c.stdout.end(out);
    c.stderr.end(err);
    Promise.all([new Promise((r) => c.stdout.on('end', r)), new Promise((r) => c.stderr.on('end', r))]).then(() =>
      c.emit('close', code, null),
    );
  });
  return c;
}

beforeEach(() => mockSpawn.mockReset());

test('runs `node <cmake-js bin> compile` in the package folder and streams its output', async () => {
  mockSpawn.mockImplementation(() => child('[100%] Built target prunekit\n', 'a warning\n', 0));
  const r = await runCli(['build']);
  expect(r.code).toBe(0);
  expect(mockSpawn).toHaveBeenCalledTimes(1);
  const [command, args, options] = mockSpawn.mock.calls[0];
  expect(command).toBe(process.execPath);
  expect(args).toEqual([path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile']);
  expect(options.cwd).toBe(root);
  expect(r.stdout).toBe('[100%] Built target prunekit\n');
  expect(r.stderr).toContain('a warning\n');
  expect(r.stderr).toContain(`built ${path.join(root, 'build', 'Release', 'prunekit.node')}`);
});

test('the cmake-js launcher exists where it is resolved', () => {
  expect(fs.existsSync(cmakeJsBin(root))).toBe(true);
});

describe('cmake-js and node-addon-api are not prunekit dependencies', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prunekit-build-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('they are devDependencies, and the install command uses their ranges from package.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    // The runtime dependencies are what the prebuilt path uses: the CLI's progress bar, nothing to build with.
    expect(Object.keys(manifest.dependencies)).toEqual(['cli-progress']);
    expect(manifest.devDependencies['cmake-js']).toBeDefined();
    expect(manifest.devDependencies['node-addon-api']).toBeDefined();
    expect(installCommand(['cmake-js', 'node-addon-api'], manifest.devDependencies)).toBe(
      `npm install --save-dev cmake-js@${manifest.devDependencies['cmake-js']} node-addon-api@${manifest.devDependencies['node-addon-api']}`,
    );
  });

  test('with both missing, the error gives the exact npm install line for both', () => {
    const ranges = { 'cmake-js': '^8.0.0', 'node-addon-api': '^8.9.2' };
    expect(() => cmakeJsBin(tmp, ranges)).toThrow(NativeBinaryError);
    expect(() => cmakeJsBin(tmp, ranges)).toThrow(
      'building from source needs cmake-js and node-addon-api, which a prebuilt install of prunekit leaves out; ' +
        'install them in your project with `npm install --save-dev cmake-js@^8.0.0 node-addon-api@^8.9.2`, ' +
        'then run `npx prunekit build` again',
    );
  });

  test('with one missing, only that one is named', () => {
    const project = path.join(tmp, 'half');
    fs.mkdirSync(path.join(project, 'node_modules', 'node-addon-api'), { recursive: true });
    fs.writeFileSync(path.join(project, 'node_modules', 'node-addon-api', 'package.json'), '{"name":"node-addon-api"}');
    expect(() => cmakeJsBin(project, { 'cmake-js': '^8.0.0' })).toThrow(
      'needs cmake-js, which a prebuilt install of prunekit leaves out; install it in your project with `npm install --save-dev cmake-js@^8.0.0`',
    );
  });
});

test('a missing compiler: exit 1 with what to install', async () => {
  mockSpawn.mockImplementation(() =>
    child(
      '-- The CXX compiler identification is unknown\n',
      'CMake Error at CMakeLists.txt:4 (project):\n  No CMAKE_CXX_COMPILER could be found.\n',
      1,
    ),
  );
  const r = await runCli(['build']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /prunekit build: cmake-js compile failed with exit code 1: no working C\+\+17 compiler: install g\+\+ or clang\+\+/,
  );
});

test('an unrecognised failure points at the output', async () => {
  mockSpawn.mockImplementation(() => child('', 'error: something else\n', 2));
  const r = await runCli(['build']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cmake-js compile failed with exit code 2 (see its output above)');
});

test('a child that cannot start', async () => {
  mockSpawn.mockImplementation(() => {
    const c = Object.assign(new EventEmitter(), { stdout: new PassThrough(), stderr: new PassThrough() });
    setImmediate(() => c.emit('error', new Error('spawn EACCES')));
    return c;
  });
  const r = await runCli(['build']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('spawn EACCES');
});

test.each([
  [
    "CMake executable is not found. Please use your system's package manager to install it",
    /^cmake is not installed or not on PATH/,
  ],
  ['/bin/sh: 1: cmake: not found', /^cmake is not installed/],
  ['No CMAKE_CXX_COMPILER could be found.', /^no working C\+\+17 compiler/],
  ['The C++ compiler "/usr/bin/c++" is not able to compile a simple test program.', /^no working C\+\+17 compiler/],
  ['CMake Error: CMAKE_MAKE_PROGRAM is not set.', /^no build tool/],
])('buildFailureHint(%j)', (output, hint) => {
  expect(buildFailureHint(output)).toMatch(hint);
});

test('buildFailureHint knows nothing of other failures', () => {
  expect(buildFailureHint('error: expected ; before }')).toBeUndefined();
});

test('build takes no arguments', async () => {
  const r = await runCli(['build', '--release']);
  expect(r.code).toBe(2);
  expect(mockSpawn).not.toHaveBeenCalled();
});
