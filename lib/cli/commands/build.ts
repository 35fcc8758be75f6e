/** `prunekit build`: compiles the native addon from source in the package folder with cmake-js. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command';
import type { CliIo } from '../io';
import { NativeBinaryError } from '../../errors';
import { packageRoot } from '../../package-info';

/** How much of the build's output is kept to recognise a missing tool (the errors come last). */
const TAIL_BYTES = 64 * 1024;

/** The packages a from-source build needs and a prebuilt install leaves out (prunekit's devDependencies). */
export const BUILD_TOOLS = ['cmake-js', 'node-addon-api'] as const;

/**
 * The command that installs the build tools missing from `root`'s reach, with the version ranges prunekit's
 * package.json gives them (its devDependencies, which npm keeps in the published manifest).
 * @example
 * installCommand(['cmake-js'], { 'cmake-js': '^8.0.0' }); // 'npm install --save-dev cmake-js@^8.0.0'
 */
export function installCommand(missing: readonly string[], ranges: Record<string, string | undefined>): string {
  return `npm install --save-dev ${missing.map((name) => (ranges[name] ? `${name}@${ranges[name]}` : name)).join(' ')}`;
}

/** Resolves `name`'s package.json from `root` (prunekit's folder, then its parents), or undefined. */
function resolveManifest(name: string, root: string): string | undefined {
  try {
    return require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    return undefined;
  }
}

/**
 * The cmake-js launcher script, resolved from prunekit's own folder (not the caller's working directory), so
 * `npx prunekit build` and a global install find the cmake-js installed beside prunekit. cmake-js and
 * node-addon-api are not prunekit dependencies (a prebuilt binary needs neither): when either is missing
 * this throws a NativeBinaryError that gives the exact `npm install` command.
 * @example
 * cmakeJsBin('/app/node_modules/prunekit'); // '/app/node_modules/cmake-js/bin/cmake-js'
 */
export function cmakeJsBin(
  root: string,
  ranges: Record<string, string | undefined> = devDependencyRanges(root),
): string {
  const missing = BUILD_TOOLS.filter((name) => resolveManifest(name, root) === undefined);
  if (missing.length > 0) {
    throw new NativeBinaryError(
      `building from source needs ${missing.join(' and ')}, which a prebuilt install of prunekit leaves out; ` +
        `install ${missing.length > 1 ? 'them' : 'it'} in your project with \`${installCommand(missing, ranges)}\`, ` +
        `then run \`npx prunekit build\` again (cmake 3.15+ and a C++17 compiler are needed too)`,
    );
  }
  const manifest = resolveManifest('cmake-js', root)!;
  const { bin } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const relative = typeof bin === 'string' ? bin : bin?.['cmake-js'];
  if (relative === undefined) throw new NativeBinaryError(`${manifest} declares no cmake-js executable`);
  return path.join(path.dirname(manifest), relative);
}

/** The version ranges prunekit's package.json gives its devDependencies (empty if it cannot be read). */
function devDependencyRanges(root: string): Record<string, string | undefined> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>;
    };
    return manifest.devDependencies ?? {};
  } catch {
    return {};
  }
}

/**
 * Recognises the usual reasons a from-source build fails in its output, and says what to install.
 * @returns A hint, or undefined for any other failure (the build's own output then says what happened).
 * @example
 * buildFailureHint('CMake Error: No CMAKE_CXX_COMPILER could be found.'); // 'no working C++17 compiler ...'
 */
export function buildFailureHint(output: string): string | undefined {
  if (
    /CMake executable is not found|CMake is not installed|cmake: (command )?not found|spawn cmake ENOENT/i.test(output)
  )
    return 'cmake is not installed or not on PATH: install CMake 3.15 or newer (apt install cmake, brew install cmake, or https://cmake.org/download)';
  if (
    /No CMAKE_CXX_COMPILER could be found|CMAKE_CXX_COMPILER.*(not found|NOTFOUND)|CXX compiler identification is unknown|is not able to compile a simple test program/i.test(
      output,
    )
  )
    return 'no working C++17 compiler: install g++ or clang++ (apt install build-essential; xcode-select --install on macOS; Visual Studio Build Tools with "Desktop development with C++" on Windows)';
  if (/CMAKE_MAKE_PROGRAM is not set|Could not find a make program|(make|ninja): (command )?not found/i.test(output))
    return 'no build tool: install make or ninja';
  return undefined;
}

/**
 * Runs `node <cmake-js> compile` in `root`, forwarding its output as it comes; resolves to its exit code and
 * the output's tail.
 */
function compile(bin: string, root: string, io: CliIo): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    // process.execPath, not a `cmake-js` on PATH: the same Node that runs prunekit builds its addon.
    const child = spawn(process.execPath, [bin, 'compile'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (text: string) => {
      tail = (tail + text).slice(-TAIL_BYTES);
    };
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      io.stdout(text);
      keep(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      io.stderr(text);
      keep(text);
    });
    child.on('error', (err) =>
      reject(new NativeBinaryError(`cannot start ${process.execPath} ${bin}: ${err.message}`)),
    );
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), tail }));
  });
}

/** `prunekit build`. */
export const command: Command = {
  name: 'build',
  summary: 'Build the native addon from source with cmake-js',
  usage: ['prunekit build'],
  description: [
    "Compiles the addon in prunekit's own folder (`cmake-js compile`, N-API headers from the node-api-headers " +
      'package, nothing downloaded), writing build/Release/prunekit.node, and streams the build output. Needs ' +
      'cmake 3.15+, a C++17 compiler (g++, clang++ or MSVC), and the cmake-js and node-addon-api packages, which ' +
      'a prebuilt install leaves out: without them it prints the `npm install --save-dev ...` line to run.',
    'The loader prefers PRUNEKIT_BINARY and a prebuilt binary over this build; `prunekit info` shows which one is used.',
  ],
  examples: ['prunekit build', 'npx prunekit build && npx prunekit info'],
  args: { positionals: [], options: [] },
  async run(_args, io) {
    const root = packageRoot();
    if (!fs.existsSync(path.join(root, 'CMakeLists.txt')))
      throw new NativeBinaryError(`${root} has no CMakeLists.txt: this copy of prunekit carries no sources to build`);
    const bin = cmakeJsBin(root);
    io.stderr(`prunekit build: node ${bin} compile (in ${root})\n`);
    const { code, tail } = await compile(bin, root, io);
    if (code !== 0) {
      const hint = buildFailureHint(tail);
      throw new NativeBinaryError(
        `cmake-js compile failed with exit code ${code}${hint ? `: ${hint}` : ' (see its output above)'}`,
      );
    }
    io.stderr(`prunekit build: built ${path.join(root, 'build', 'Release', 'prunekit.node')}\n`);
    return 0;
  },
};
