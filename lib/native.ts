/**
 * Loads the native addon once and applies `PRUNEKIT_SIMD`.
 *
 * Order tried: `PRUNEKIT_BINARY` (an explicit path), the prebuilt binary for this platform
 * (`prebuilds/<platform>-<arch>/prunekit.node`, glibc Linux only: the prebuilt binaries are linked against
 * glibc, so on musl they are skipped), then a local build where cmake-js writes it (`build/Release`, then
 * `build/Debug`). The first that loads wins. If none does, one error names the platform,
 * CPU architecture and C library, every path tried with the reason it did not load, and how to build from
 * source. The search itself ({@link findBinding}) takes the package root and the candidates as parameters,
 * so it can be tested without touching the installed files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeBinding } from '../binding';
import { ConfigError, NativeBinaryError } from './errors';
import { packageRoot } from './package-info';

/** The C library of a Linux process. */
export type Libc = 'glibc' | 'musl';

/** What a binary must match: the process's platform, CPU architecture and, on Linux, its C library. */
export interface Target {
  platform: string;
  arch: string;
  /** Linux only; undefined elsewhere, or on Linux if it cannot be told. */
  libc?: Libc;
  /** glibc's version at run time (e.g. "2.36"); undefined for musl. */
  libcVersion?: string;
}

/** How the binary was found: `PRUNEKIT_BINARY`, the package's prebuilt one, or a local build. */
export type BindingKind = 'override' | 'prebuilt' | 'built';

/** A file the loader may load; with `skip` set it is listed as passed over, with that reason, and not tried. */
export interface Candidate {
  kind: BindingKind;
  path: string;
  skip?: string;
}

/** Where the binary came from, for `prunekit info` and error messages. */
export interface BindingOrigin {
  kind: BindingKind;
  /** The file loaded. */
  path: string;
  /** The platform it was chosen for. */
  target: Target;
  /**
   * Earlier candidates that did not load, each `[<kind>] <path>: <reason>` (e.g. a `PRUNEKIT_BINARY` that does
   * not exist).
   */
  passedOver: string[];
}

const KIND_LABEL: Record<BindingKind, string> = {
  override: 'PRUNEKIT_BINARY',
  prebuilt: 'prebuilt',
  built: 'local build',
};

/**
 * This process's platform, architecture and C library. The C library comes from the diagnostic report's
 * header: a glibc build of Node states `glibcVersionRuntime`; a musl build does not, and loads `ld-musl-*`.
 */
export function detectTarget(): Target {
  const target: Target = { platform: process.platform, arch: process.arch };
  if (process.platform !== 'linux' || !process.report) return target;
  const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
  const excludeNetwork = report.excludeNetwork;
  try {
    if (excludeNetwork !== undefined) report.excludeNetwork = true; // skips the slow network part of the report
    const data = report.getReport() as {
      header?: { glibcVersionRuntime?: string };
      sharedObjects?: string[];
    };
    const glibc = data.header?.glibcVersionRuntime;
    if (glibc) return { ...target, libc: 'glibc', libcVersion: glibc };
    if ((data.sharedObjects ?? []).some((so) => /(^|\/)(ld-musl-|libc\.musl-)/.test(so)))
      return { ...target, libc: 'musl' };
  } catch {
    // no report: the C library stays unknown
  } finally {
    if (excludeNetwork !== undefined) report.excludeNetwork = excludeNetwork;
  }
  return target;
}

/** `linux-x64 (glibc 2.36)`, `linux-arm64 (musl)`, `darwin-arm64`. */
export function describeTarget(target: Target): string {
  const tag = `${target.platform}-${target.arch}`;
  if (target.platform !== 'linux') return tag;
  if (!target.libc) return `${tag} (C library unknown)`;
  return `${tag} (${target.libc}${target.libcVersion ? ` ${target.libcVersion}` : ''})`;
}

/** Where `cmake-js compile` (and so `prunekit build` and the repository's `npm install`) writes the addon. */
export const LOCAL_BUILDS = [
  path.join('build', 'Release', 'prunekit.node'),
  path.join('build', 'Debug', 'prunekit.node'),
];

/**
 * The files to try, in order: `PRUNEKIT_BINARY` if set, the package's prebuilt binary for this platform
 * (passed over on musl: the prebuilt binaries need glibc), then the local builds ({@link LOCAL_BUILDS}).
 */
export function bindingCandidates(
  root: string,
  target: Target,
  env: Record<string, string | undefined> = process.env,
): Candidate[] {
  const candidates: Candidate[] = [];
  if (env.PRUNEKIT_BINARY) candidates.push({ kind: 'override', path: path.resolve(env.PRUNEKIT_BINARY) });
  const prebuilt: Candidate = {
    kind: 'prebuilt',
    path: path.join(root, 'prebuilds', `${target.platform}-${target.arch}`, 'prunekit.node'),
  };
  if (target.platform === 'linux' && target.libc === 'musl')
    prebuilt.skip = 'skipped: the prebuilt Linux binaries are linked against glibc and this process uses musl';
  candidates.push(prebuilt);
  for (const rel of LOCAL_BUILDS) candidates.push({ kind: 'built', path: path.join(root, rel) });
  return candidates;
}

/** The platforms this package has prebuilt binaries for (folders of `prebuilds/` holding a prunekit.node). */
function prebuiltPlatforms(root: string): string[] {
  try {
    return fs
      .readdirSync(path.join(root, 'prebuilds'))
      .filter((dir) => fs.existsSync(path.join(root, 'prebuilds', dir, 'prunekit.node')))
      .sort();
  } catch {
    return [];
  }
}

const ELF_MACHINES: Record<number, string> = {
  0x03: 'ia32',
  0x28: 'arm',
  0x3e: 'x64',
  0xb7: 'arm64',
  0x15: 'ppc64',
  0x16: 's390x',
  0xf3: 'riscv64',
};

/**
 * Why a binary that exists may not load on `target`, read from its header: dlopen reports a binary of
 * another architecture as "cannot open shared object file: No such file or directory", which misleads.
 */
function binaryMismatch(file: string, target: Target): string | undefined {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(20);
      if (fs.readSync(fd, head, 0, 20, 0) < 20) return undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    const arch = ELF_MACHINES[machine] ?? `ELF machine 0x${machine.toString(16)}`;
    if (target.platform !== 'linux') return `it is a Linux (ELF) binary for ${arch}, this is ${target.platform}`;
    if (arch !== target.arch)
      return `it is a binary for linux-${arch}, this process is ${target.platform}-${target.arch}`;
    return undefined;
  }
  if ([0xcffaedfe, 0xfeedfacf, 0xcafebabe].includes(head.readUInt32BE(0)) && target.platform !== 'darwin')
    return `it is a macOS (Mach-O) binary, this is ${target.platform}`;
  if (head.readUInt16BE(0) === 0x4d5a && target.platform !== 'win32')
    return `it is a Windows (PE) binary, this is ${target.platform}`;
  return undefined;
}

/** The first line of a load error, without the path dlopen repeats in front of it. */
function loadFailure(file: string, err: unknown, target: Target): string {
  let reason = String((err as Error)?.message ?? err).split('\n')[0];
  if (reason.startsWith(`${file}: `)) reason = reason.slice(file.length + 2);
  const mismatch = binaryMismatch(file, target);
  return mismatch ? `${reason} (${mismatch})` : reason;
}

/**
 * Loads the first candidate that loads. Throws one NativeBinaryError listing every path tried, with the
 * reason each did not load, and how to build from source. `load` is `require` unless a test says otherwise.
 */
export function findBinding(
  root: string,
  candidates: Candidate[],
  target: Target,
  load: (file: string) => unknown = require,
): { binding: NativeBinding; origin: BindingOrigin } {
  const tried: string[] = [];
  const attempt = (kind: BindingKind, file: string) => {
    try {
      return { binding: load(file) as NativeBinding, origin: { kind, path: file, target, passedOver: [...tried] } };
    } catch (err) {
      tried.push(`[${KIND_LABEL[kind]}] ${file}: ${loadFailure(file, err, target)}`);
      return undefined;
    }
  };
  for (const { kind, path: file, skip } of candidates) {
    if (skip) tried.push(`[${KIND_LABEL[kind]}] ${file}: ${skip}`);
    else if (!fs.existsSync(file)) tried.push(`[${KIND_LABEL[kind]}] ${file}: not found`);
    else {
      const loaded = attempt(kind, file);
      if (loaded) return loaded;
    }
  }

  const tag = `${target.platform}-${target.arch}`;
  const shipped = prebuiltPlatforms(root);
  throw new NativeBinaryError(
    `prunekit: no native binary loads on ${describeTarget(target)}, Node ${process.versions.node} ` +
      `(N-API ${process.versions.napi ?? '?'}). Tried, in order:\n  ${tried.join('\n  ')}\n` +
      `Prebuilt binaries in this package: ${shipped.length ? `${shipped.join(', ')} (glibc)` : 'none'}.\n` +
      `Build from source: run \`npx prunekit build\` in your project (it runs cmake-js in ${root}; needs cmake, ` +
      `a C++17 compiler and the cmake-js and node-addon-api packages, and says how to install them), ` +
      `or set PRUNEKIT_BINARY to a prunekit.node built for ${tag}.`,
  );
}

function applySimdOverride(binding: NativeBinding): void {
  const wanted = process.env.PRUNEKIT_SIMD;
  if (!wanted) return;
  try {
    binding.setSimd(wanted);
  } catch (err) {
    throw new ConfigError(`prunekit: PRUNEKIT_SIMD=${wanted}: ${(err as Error).message}`);
  }
}

function loadOnce(): { binding: NativeBinding; origin: BindingOrigin } {
  const root = packageRoot();
  const target = detectTarget();
  const loaded = findBinding(root, bindingCandidates(root, target), target);
  const override = process.env.PRUNEKIT_BINARY;
  if (override && loaded.origin.kind !== 'override') {
    // An explicit path that does not load is worth a word, even though another binary did.
    const why = loaded.origin.passedOver.find((t) => t.startsWith(`[${KIND_LABEL.override}]`));
    process.emitWarning(
      `${why}; loaded the ${KIND_LABEL[loaded.origin.kind]} binary ${loaded.origin.path} instead`,
      'PrunekitWarning',
    );
  }
  return loaded;
}

const loaded = loadOnce();
applySimdOverride(loaded.binding);

/** The raw binding (see binding.d.ts). */
export const binding: NativeBinding = loaded.binding;
/** Which file the binding was loaded from. */
export const bindingOrigin: BindingOrigin = loaded.origin;

/**
 * Where the loaded binary came from: its kind (`override`, `prebuilt`, `built`), its path, the platform it
 * was chosen for and the candidates passed over before it. A copy, for `prunekit info`.
 * @example
 * getBindingOrigin();
 * // { kind: 'prebuilt', path: '.../prebuilds/linux-x64/prunekit.node', target: {...}, passedOver: [] }
 */
export function getBindingOrigin(): BindingOrigin {
  return { ...bindingOrigin, target: { ...bindingOrigin.target }, passedOver: [...bindingOrigin.passedOver] };
}
