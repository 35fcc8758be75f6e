/** `prunekit info`: what is installed and what it runs on, for bug reports and "which kernels do I get?". */
import type { Command } from '../command';
import { packageVersion } from '../../package-info';

/** The report, also the `--json` output. `binary`, `simd` and `criteria` are null when the addon does not load. */
interface InfoReport {
  version: string;
  node: string;
  platform: string;
  /** `bindingOrigin` as the loader gives it: at least `kind` and `path`, plus whatever else it records. */
  binary: ({ kind: string; path: string } & Record<string, unknown>) | null;
  simd: { active: string; supported: string[]; compiled: string[] } | null;
  criteria: string[] | null;
  /** The environment variables that change what loads (only those set). */
  env: Record<string, string>;
  /** Why the addon did not load. */
  error?: string;
}

async function gather(): Promise<InfoReport> {
  const env: Record<string, string> = {};
  for (const key of ['PRUNEKIT_BINARY', 'PRUNEKIT_SIMD']) if (process.env[key]) env[key] = process.env[key] as string;
  const report: InfoReport = {
    version: packageVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    binary: null,
    simd: null,
    criteria: null,
    env,
  };
  try {
    // Loaded here, not at import: info must still report the rest when the binary is broken.
    const lib = await import('../../index');
    // A copy of every field, so what the loader learns to record (libc, skipped candidates) shows up here too.
    report.binary = { ...lib.bindingOrigin };
    report.simd = lib.simdInfo();
    report.criteria = lib.criteriaNames();
  } catch (err) {
    report.error = err instanceof Error ? err.message : String(err);
  }
  return report;
}

function text(r: InfoReport): string {
  const rows: Array<[string, string]> = [
    ['prunekit', r.version],
    ['node', r.node],
    ['platform', r.platform],
  ];
  for (const [key, value] of Object.entries(r.env)) rows.push([key, value]);
  if (r.binary && r.simd && r.criteria) {
    rows.push(['binary', `${r.binary.path} (${r.binary.kind})`]);
    const { target, passedOver } = r.binary as { target?: { libc?: unknown; libcVersion?: unknown }; passedOver?: unknown };
    if (typeof target?.libc === 'string')
      rows.push(['libc', typeof target.libcVersion === 'string' ? `${target.libc} ${target.libcVersion}` : target.libc]);
    if (Array.isArray(passedOver)) for (const skipped of passedOver) rows.push(['passed over', String(skipped)]);
    rows.push(['simd', `${r.simd.active} (supported: ${r.simd.supported.join(', ')}; compiled: ${r.simd.compiled.join(', ')})`]);
    rows.push(['criteria', r.criteria.join(', ')]);
  } else {
    rows.push(['binary', 'does not load (the reason is on stderr)']);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** `prunekit info [--json]`. */
export const command: Command = {
  name: 'info',
  summary: 'Show the version, platform, native binary and instruction sets',
  usage: ['prunekit info [--json]'],
  description: [
    'Prints the prunekit and Node.js versions, the platform, which native binary is loaded and where it came ' +
      'from (override: PRUNEKIT_BINARY; prebuilt: prebuilds/<platform>-<arch>; built: a local cmake-js build), ' +
      'the instruction set the kernels use and the ones this CPU supports, and the registered criteria.',
    'If the binary does not load, the rest is still printed, the reason goes to stderr and the exit code is 1.',
  ],
  examples: ['prunekit info', 'PRUNEKIT_SIMD=scalar prunekit info --json'],
  args: {
    positionals: [],
    options: [{ name: 'json', description: 'Print one JSON object instead of text' }],
  },
  async run(args, io) {
    const report = await gather();
    io.stdout(args.flag('json') ? JSON.stringify(report, null, 2) + '\n' : text(report));
    if (report.error === undefined) return 0;
    io.stderr(`prunekit info: ${report.error}\n`);
    return 1;
  },
};
