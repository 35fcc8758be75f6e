/** Where prunekit is installed and which version it is, found from this file's location (works under npx). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The package's root folder: the nearest parent of this file holding prunekit's package.json (`lib` runs
 * from `dist/lib` as well as from the sources in tests). Loads nothing native, so the CLI's help can use it.
 * @example
 * packageRoot(); // '/usr/lib/node_modules/prunekit'
 */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && readManifest(manifest).name === 'prunekit') return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find prunekit's package.json above ${__dirname}`);
  }
}

/**
 * The version in prunekit's package.json.
 * @example
 * packageVersion(); // '0.1.0'
 */
export function packageVersion(): string {
  return String(readManifest(path.join(packageRoot(), 'package.json')).version);
}

function readManifest(file: string): { name?: unknown; version?: unknown } {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {}; // an unreadable package.json of some parent folder is not ours
  }
}
