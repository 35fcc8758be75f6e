#!/usr/bin/env node
/**
 * The `prunekit` command: dispatches `prunekit <command> ...` to `lib/cli/commands/<command>.ts`.
 *
 * Nothing imported here loads the native addon: commands load it inside their handlers, so `--help`,
 * `help <command>` and `--version` work even when the binary is missing or broken.
 * Exit codes: 0 success, 1 runtime error (message on stderr; stack trace with PRUNEKIT_DEBUG=1), 2 usage error.
 */
import { parseArgs } from './args';
import type { Command } from './command';
import { UsageError } from './errors';
import { commandHelp, topHelp, usageHint } from './help';
import { type CliIo, processIo } from './io';
import { packageVersion } from '../package-info';
import { listCommands, loadCommand } from './registry';

export type { CliIo } from './io';

/**
 * Runs one command line in-process and resolves to its exit code; never throws, never exits the process.
 * @param argv - The arguments after `prunekit`, e.g. `['score', 'model.safetensors', '--criterion', 'snip', ...]`.
 * @param io - Where output goes; default: the process's stdout and stderr.
 * @example
 * const out: string[] = [];
 * const code = await main(['info', '--json'], { stdout: (s) => out.push(s), stderr: () => {}, env: {} });
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(topHelp(listCommands(), packageVersion()));
      return 2;
    }
    if (first === '-h' || first === '--help') return printTopHelp(io);
    if (first === '-V' || first === '--version') {
      io.stdout(`${packageVersion()}\n`);
      return 0;
    }
    if (first === 'help') return help(rest, io);
    if (first.startsWith('-')) return topUsageError(`unknown flag ${first} (flags go after the command)`, io);
    return await runCommand(first, rest, io);
  } catch (err) {
    // Only internal failures get here (a broken command module, an unreadable package.json).
    return runtimeError('prunekit', err, io);
  }
}

async function runCommand(name: string, argv: readonly string[], io: CliIo): Promise<number> {
  const command = loadCommand(name);
  if (command === undefined) return topUsageError(`unknown command "${name}"`, io);
  const label = `prunekit ${name}`;
  try {
    const args = parseArgs(argv, command.args);
    if (args.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) return commandUsageError(command, err, io);
    return runtimeError(label, err, io);
  }
}

/** `prunekit help [command]`. */
function help(rest: readonly string[], io: CliIo): number {
  const topic = rest.filter((t) => t !== '-h' && t !== '--help');
  if (topic.length === 0) return printTopHelp(io);
  if (topic.length > 1) return topUsageError(`'help' takes one command name, got ${topic.length}`, io);
  const [name] = topic;
  const command = loadCommand(name);
  if (command === undefined) return topUsageError(`unknown command "${name}"`, io);
  io.stdout(commandHelp(command));
  return 0;
}

function printTopHelp(io: CliIo): number {
  io.stdout(topHelp(listCommands(), packageVersion()));
  return 0;
}

function topUsageError(message: string, io: CliIo): number {
  const names = listCommands().map((l) => l.name);
  io.stderr(`prunekit: ${message}\nCommands: ${names.join(', ')}. Run 'prunekit --help' for details.\n`);
  return 2;
}

function commandUsageError(command: Command, err: UsageError, io: CliIo): number {
  io.stderr(`prunekit ${command.name}: ${err.message}\n${usageHint(command)}`);
  return 2;
}

/** Exit code 1 with the message only: users read messages, developers set PRUNEKIT_DEBUG=1 for the stack. */
function runtimeError(label: string, err: unknown, io: CliIo): number {
  const debug = io.env.PRUNEKIT_DEBUG === '1';
  const text = err instanceof Error ? (debug && err.stack ? err.stack : err.message) : String(err);
  io.stderr(`${label}: ${text}\n`);
  return 1;
}

if (require.main === module) {
  // `prunekit score ... --json | head -c 10`: a closed pipe ends the output, it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  // exitCode rather than process.exit(): let piped stdout drain first.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
