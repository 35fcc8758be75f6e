/**
 * Loads the native addon once and applies `PRUNEKIT_SIMD`.
 *
 * Order tried: `PRUNEKIT_BINARY` (an explicit path), the prebuilt binary for this platform
 * (`prebuilds/<platform>-<arch>/prunekit.node`), then the local build found by `bindings`
 * (`build/Release/prunekit.node` and the other places it knows). If none loads, one error lists every path tried and how to build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeBinding } from '../binding';

/** The package's root folder: the nearest parent holding prunekit's package.json. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'prunekit') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`prunekit: cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}

/** Where the binary came from, for `prunekit info` and error messages. */
export interface BindingOrigin {
  kind: 'override' | 'prebuilt' | 'built';
  path: string;
}

function load(): { binding: NativeBinding; origin: BindingOrigin } {
  const root = packageRoot();
  const tried: string[] = [];
  const attempt = (kind: BindingOrigin['kind'], file: string) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return { binding: require(file) as NativeBinding, origin: { kind, path: file } };
    } catch (err) {
      tried.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  const override = process.env.PRUNEKIT_BINARY;
  const candidates: Array<[BindingOrigin['kind'], string]> = [
    ...(override ? [['override', path.resolve(override)] as [BindingOrigin['kind'], string]] : []),
    ['prebuilt', path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'prunekit.node')],
  ];
  for (const [kind, file] of candidates) {
    if (!fs.existsSync(file)) {
      tried.push(`${file}: not found`);
      continue;
    }
    const loaded = attempt(kind, file);
    if (loaded) return loaded;
  }
  // A build made here (build/Release and the other places `bindings` knows).
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bindings = require('bindings') as (opts: { bindings: string; module_root: string }) => NativeBinding;
    const binding = bindings({ bindings: 'prunekit.node', module_root: root });
    return { binding, origin: { kind: 'built', path: path.join(root, 'build', 'Release', 'prunekit.node') } };
  } catch (err) {
    tried.push(`bindings('prunekit.node') in ${root}: ${(err as Error).message.split('\n')[0]}`);
  }
  throw new Error(
    `prunekit: no native binary loads on ${process.platform}-${process.arch}. Tried:\n  ${tried.join('\n  ')}\n` +
      `Build it from source with \`npx cmake-js compile\` in ${root} (needs cmake and a C++17 compiler).`,
  );
}

function applySimdOverride(binding: NativeBinding): void {
  const wanted = process.env.PRUNEKIT_SIMD;
  if (!wanted) return;
  try {
    binding.setSimd(wanted);
  } catch (err) {
    throw new Error(`prunekit: PRUNEKIT_SIMD=${wanted}: ${(err as Error).message}`);
  }
}

const loaded = load();
applySimdOverride(loaded.binding);

/** The raw binding (see binding.d.ts). */
export const binding: NativeBinding = loaded.binding;
/** Which file the binding was loaded from. */
export const bindingOrigin: BindingOrigin = loaded.origin;
