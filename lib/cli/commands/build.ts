/** `prunekit build`: compiles the native addon from source in the package folder with cmake-js. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command';
import type { CliIo } from '../io';
import { packageRoot } from '../../package-info';

/** How much of the build's output is kept to recognise a missing tool (the errors come last). */
const TAIL_BYTES = 64 * 1024;

/**
 * The cmake-js launcher script, resolved from prunekit's own folder (not the caller's working directory), so
 * `npx prunekit build` and a global install find the cmake-js that prunekit depends on.
 * @example
 * cmakeJsBin('/app/node_modules/prunekit'); // '/app/node_modules/cmake-js/bin/cmake-js'
 */
export function cmakeJsBin(root: string): string {
  let manifest: string;
  try {
    manifest = require.resolve('cmake-js/package.json', { paths: [root] });
  } catch {
    throw new Error(`cmake-js is not installed where prunekit is (${root}); it is a dependency of prunekit: reinstall prunekit`);
  }
  const { bin } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const relative = typeof bin === 'string' ? bin : bin?.['cmake-js'];
  if (relative === undefined) throw new Error(`${manifest} declares no cmake-js executable`);
  return path.join(path.dirname(manifest), relative);
}

/**
 * Recognises the usual reasons a from-source build fails in its output, and says what to install.
 * @returns A hint, or undefined for any other failure (the build's own output then says what happened).
 * @example
 * buildFailureHint('CMake Error: No CMAKE_CXX_COMPILER could be found.'); // 'no working C++17 compiler ...'
 */
export function buildFailureHint(output: string): string | undefined {
  if (/CMake executable is not found|CMake is not installed|cmake: (command )?not found|spawn cmake ENOENT/i.test(output))
    return 'cmake is not installed or not on PATH: install CMake 3.15 or newer (apt install cmake, brew install cmake, or https://cmake.org/download)';
  if (/No CMAKE_CXX_COMPILER could be found|CMAKE_CXX_COMPILER.*(not found|NOTFOUND)|CXX compiler identification is unknown|is not able to compile a simple test program/i.test(output))
    return 'no working C++17 compiler: install g++ or clang++ (apt install build-essential; xcode-select --install on macOS; Visual Studio Build Tools with "Desktop development with C++" on Windows)';
  if (/CMAKE_MAKE_PROGRAM is not set|Could not find a make program|(make|ninja): (command )?not found/i.test(output))
    return 'no build tool: install make or ninja';
  return undefined;
}

/** Runs `node <cmake-js> compile` in `root`, forwarding its output as it comes; resolves to its exit code and output tail. */
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
    child.on('error', (err) => reject(new Error(`cannot start ${process.execPath} ${bin}: ${err.message}`)));
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
      'cmake 3.15+ and a C++17 compiler (g++, clang++ or MSVC).',
    'The loader prefers PRUNEKIT_BINARY and a prebuilt binary over this build; `prunekit info` shows which one is used.',
  ],
  examples: ['prunekit build', 'npx prunekit build && npx prunekit info'],
  args: { positionals: [], options: [] },
  async run(_args, io) {
    const root = packageRoot();
    if (!fs.existsSync(path.join(root, 'CMakeLists.txt')))
      throw new Error(`${root} has no CMakeLists.txt: this copy of prunekit carries no sources to build`);
    const bin = cmakeJsBin(root);
    io.stderr(`prunekit build: node ${bin} compile (in ${root})\n`);
    const { code, tail } = await compile(bin, root, io);
    if (code !== 0) {
      const hint = buildFailureHint(tail);
      throw new Error(`cmake-js compile failed with exit code ${code}${hint ? `: ${hint}` : ' (see its output above)'}`);
    }
    io.stderr(`prunekit build: built ${path.join(root, 'build', 'Release', 'prunekit.node')}\n`);
    return 0;
  },
};
